package dev.hotserve.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.engine.LoadOptions;
import dev.hotserve.engine.LoadedModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class DirectBuffersTest {

    @Test
    void aReturnedBufferIsReusedForAnyRequestItFits() {
        DirectBuffers pool = new DirectBuffers(2);
        ByteBuffer first = pool.borrow(1000);
        assertThat(first.isDirect()).isTrue();
        assertThat(first.order()).isEqualTo(ByteOrder.nativeOrder());
        assertThat(first.capacity()).isGreaterThanOrEqualTo(1000);
        pool.giveBack(first);

        ByteBuffer again = pool.borrow(first.capacity());
        assertThat(again).isSameAs(first);
        assertThat(again.position()).isZero();
        pool.giveBack(again);
        assertThat(pool.allocations()).as("one buffer served both borrows").isEqualTo(1);
    }

    @Test
    void aTooSmallBufferIsReplacedByOneThatFitsBoth() {
        DirectBuffers pool = new DirectBuffers(2);
        ByteBuffer small = pool.borrow(100);
        pool.giveBack(small);
        ByteBuffer big = pool.borrow(small.capacity() * 3L);
        assertThat(big).isNotSameAs(small);
        assertThat(big.capacity()).isGreaterThanOrEqualTo(small.capacity() * 3);
        pool.giveBack(big);
        assertThat(pool.borrow(10)).isSameAs(big);
        assertThat(pool.allocations()).isEqualTo(2);
    }

    @Test
    void poolIsBoundedInCountAndSize() {
        DirectBuffers pool = new DirectBuffers(2);
        ByteBuffer a = pool.borrow(10);
        ByteBuffer b = pool.borrow(10);
        ByteBuffer c = pool.borrow(10);
        pool.giveBack(a);
        pool.giveBack(b);
        pool.giveBack(c);
        assertThat(pool.pooled()).isEqualTo(2);
        assertThat(pool.allocations()).as("three borrowed at once").isEqualTo(3);

        DirectBuffers empty = new DirectBuffers(2);
        empty.giveBack(empty.borrow(DirectBuffers.MAX_POOLED_BYTES + 1L));
        assertThat(empty.pooled()).isZero();
    }

    @Test
    void concurrentBorrowersNeverShareABufferAndThePoolStaysBounded() throws Exception {
        DirectBuffers pool = new DirectBuffers(4);
        // By identity: a ByteBuffer's equals and hashCode are those of its contents.
        java.util.Set<Integer> inUse = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.Map<ByteBuffer, Integer> ids = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
        java.util.concurrent.atomic.AtomicInteger nextId = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger shared = new java.util.concurrent.atomic.AtomicInteger();
        try (var threads = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            for (int t = 0; t < 8; t++) {
                threads.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        ByteBuffer b = pool.borrow(64 + (i % 3) * 5000);
                        int id = ids.computeIfAbsent(b, x -> nextId.incrementAndGet());
                        if (!inUse.add(id)) {
                            shared.incrementAndGet(); // two borrowers hold the same buffer
                        }
                        inUse.remove(id);
                        pool.giveBack(b);
                    }
                });
            }
        }
        assertThat(shared.get()).as("a buffer lent to two callers at once").isZero();
        assertThat(pool.pooled()).isBetween(1, 4);
    }

    @Test
    void reloadsAndCallsAllocateNoDirectMemoryOnceWarm() throws Exception {
        // Issue 3 item 8 in miniature: the same engine reloading and serving in a loop allocates no
        // new direct buffers, so nothing waits on the GC to free native memory. Counted at the pool,
        // not read off the JDK's direct-buffer total, which the GC can lower at any moment and so
        // would hide buffers that were allocated and not reused.
        OnnxEngine engine = new OnnxEngine();
        DirectBuffers pool = engine.buffers();
        float[] one = new float[28];
        float[] batch = new float[64 * 28];
        for (int i = 0; i < 5; i++) {
            cycle(engine, one, batch);
        }
        long warm = pool.allocations();
        assertThat(warm).as("the models' calls borrow from their engine's pool").isPositive();
        for (int i = 0; i < 200; i++) {
            cycle(engine, one, batch);
        }
        assertThat(pool.allocations()).as("direct buffers allocated by 200 more reloads and 400 calls").isEqualTo(warm);
    }

    private static void cycle(OnnxEngine engine, float[] one, float[] batch) throws Exception {
        try (LoadedModel model = engine.load(Fixtures.file("actor_seed0.onnx"), LoadOptions.defaults())) {
            model.run(one, 1);
            model.run(batch, 64);
        }
    }
}
