package dev.hotserve.bench;

import com.google.protobuf.ByteString;
import dev.hotserve.server.grpc.oip.GRPCInferenceServiceGrpc;
import dev.hotserve.server.grpc.oip.ModelInferRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A small gRPC load client (grpc-java, the generated blocking stub): {@code concurrency} threads,
 * each with its own channel (one HTTP/2 connection), sending {@code ModelInfer} with raw contents
 * back to back for {@code seconds}; prints one JSON line with req/s, p50, p99 and errors. A
 * second opinion on h2load, which cannot read gRPC status trailers.
 *
 * <pre>java -cp ... dev.hotserve.bench.GrpcLoad PORT ROWS CONCURRENCY SECONDS</pre>
 */
public final class GrpcLoad {

    private GrpcLoad() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int rows = Integer.parseInt(args[1]);
        int concurrency = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        ByteBuffer raw = ByteBuffer.allocate(rows * 28 * 4).order(ByteOrder.LITTLE_ENDIAN);
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < rows * 28; i++) {
            raw.putFloat((float) (random.nextGaussian() * 0.5));
        }
        ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("sac")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("state").setDatatype("FP32").addShape(rows).addShape(28))
                .addRawInputContents(ByteString.copyFrom(raw.array()))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("action"))
                .build();
        List<ManagedChannel> channels = new ArrayList<>();
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        long[][] latencies = new long[concurrency][];
        int[] counts = new int[concurrency];
        int[] errors = new int[concurrency];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            channels.add(ch);
            var stub = GRPCInferenceServiceGrpc.newBlockingStub(ch);
            int slot = t;
            latencies[t] = new long[1 << 16];
            Thread th = new Thread(() -> {
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    try {
                        stub.modelInfer(req);
                    } catch (RuntimeException e) {
                        if (measuring.get()) {
                            errors[slot]++;
                        }
                        continue;
                    }
                    if (measuring.get() && counts[slot] < latencies[slot].length) {
                        latencies[slot][counts[slot]++] = System.nanoTime() - t0;
                    }
                }
            });
            threads.add(th);
            th.start();
        }
        Thread.sleep(2000); // warm-up: connections, JIT on both sides
        measuring.set(true);
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        measuring.set(false);
        double elapsed = (System.nanoTime() - start) / 1e9;
        stop.set(true);
        for (Thread th : threads) {
            th.join(10_000);
        }
        for (ManagedChannel ch : channels) {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int k = 0;
        for (int t = 0; t < concurrency; t++) {
            System.arraycopy(latencies[t], 0, all, k, counts[t]);
            k += counts[t];
        }
        Arrays.sort(all);
        System.out.printf("{\"rows\": %d, \"concurrency\": %d, \"seconds\": %.1f, \"requests\": %d, \"req_per_s\": %.1f, \"p50_ms\": %.3f,"
                + " \"p99_ms\": %.3f, \"errors\": %d}%n", rows, concurrency, elapsed, total, total / elapsed,
                total == 0 ? 0 : all[total / 2] / 1e6, total == 0 ? 0 : all[Math.min(total - 1, (int) (total * 0.99))] / 1e6,
                Arrays.stream(errors).sum());
    }
}
