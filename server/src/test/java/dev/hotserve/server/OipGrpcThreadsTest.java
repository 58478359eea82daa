package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import dev.hotserve.core.HotModel;
import dev.hotserve.core.Lease;
import dev.hotserve.server.grpc.oip.GRPCInferenceServiceGrpc;
import dev.hotserve.server.grpc.oip.ModelInferRequest;
import dev.hotserve.server.grpc.oip.ModelInferResponse;
import dev.hotserve.server.grpc.oip.ServerLiveRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC calls run on Netty's event loops, and a call that may wait leaves its event loop first
 * (GrpcFrontEnd, OipGrpcService): dynamic batching fed by gRPC, the drain on stop, and a blocking
 * reload found by a call on an event loop. The first two hold a call in the batcher with a queue
 * delay far longer than the test, so nothing depends on timing: a batch runs when it is full.
 */
class OipGrpcThreadsTest {

    @TempDir
    Path dir;

    private TestServer server;
    private final List<ManagedChannel> channels = new ArrayList<>();

    /** With batching when {@code maxBatchSize} > 0. */
    private TestServer start(int maxBatchSize) {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        Map<String, String> env = new HashMap<>();
        env.put("HOTSERVE_MODEL_DIR", dir.toString());
        env.put("HOTSERVE_GRPC_PORT", "0");
        if (maxBatchSize > 0) {
            env.put("HOTSERVE_MAX_BATCH_SIZE", Integer.toString(maxBatchSize));
            // Far longer than a full batch takes to form, so a batch runs when full; bounded, so that a
            // batch left short (a call lost, a race) ends the test by an assertion rather than hanging it.
            env.put("HOTSERVE_MAX_QUEUE_DELAY", "30s");
        }
        env.put("HOTSERVE_SHUTDOWN_GRACE", "5m");
        server = TestServer.start(dir, env);
        return server;
    }

    /** A new channel: its own HTTP/2 connection, so its own event loop on the server. */
    private ManagedChannel channel() {
        ManagedChannel c = ManagedChannelBuilder.forAddress("127.0.0.1", server.server.grpcPort().orElseThrow()).usePlaintext().build();
        channels.add(c);
        return c;
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    private static ModelInferRequest infer(float[] row) {
        ByteBuffer b = ByteBuffer.allocate(row.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(row);
        return ModelInferRequest.newBuilder().setModelName("sac")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("state").setDatatype("FP32").addShape(1).addShape(28))
                .addRawInputContents(ByteString.copyFrom(b.array()))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("action")).build();
    }

    private static float[] row(JsonNode ref, int r) {
        float[] out = new float[28];
        for (int c = 0; c < 28; c++) {
            out[c] = (float) ref.get("inputs").get(r).get(c).asDouble();
        }
        return out;
    }

    private static float action(ModelInferResponse r) {
        return r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
    }

    @Test
    void concurrentCallsOnOneConnectionFillOneBatch() throws Exception {
        // Four calls on one connection, so one event loop reads them all. The first call to reach the
        // batcher leads and waits (up to 30 s) for four rows: had it waited on the event loop,
        // the other three could not be read and the calls would end by their deadline instead.
        JsonNode ref = Oip.reference("actor_seed0").get("batch64");
        start(4);
        var stub = GRPCInferenceServiceGrpc.newFutureStub(channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
        List<ListenableFuture<ModelInferResponse>> calls = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            calls.add(stub.modelInfer(infer(row(ref, r))));
        }
        for (int r = 0; r < 4; r++) {
            ModelInferResponse answer = calls.get(r).get(90, TimeUnit.SECONDS);
            assertThat((double) action(answer)).as("row %d", r).isCloseTo(ref.get("action").get(r).get(0).asDouble(), within(1e-5));
        }
        String metrics = server.get("/metrics").body();
        assertThat(BatchingEndToEndTest.metric(metrics, "hotserve_batch_requests_count{model=\"sac\"}")).as("engine calls").isEqualTo(1);
        assertThat(BatchingEndToEndTest.metric(metrics, "hotserve_batch_requests_sum{model=\"sac\"}")).as("requests").isEqualTo(4);
    }

    @Test
    void stopLetsTheCallInFlightFinishAndRefusesNewCalls() throws Exception {
        JsonNode ref = Oip.reference("actor_seed0").get("batch64");
        start(2);
        HotModel model = server.server.models().get("sac");
        var stub = GRPCInferenceServiceGrpc.newFutureStub(channel()).withDeadlineAfter(120, TimeUnit.SECONDS);
        // In flight: admitted, and waiting in the batcher for a second row.
        ListenableFuture<ModelInferResponse> inFlight = stub.modelInfer(infer(row(ref, 0)));
        await().atMost(Duration.ofSeconds(30)).until(() -> model.queueDepth() == 1);

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(server.server::stop);
        // New calls are refused once stopping has begun (a new connection: the listener is closed)...
        await().atMost(Duration.ofSeconds(30)).until(() -> refused(GRPCInferenceServiceGrpc.newBlockingStub(channel())));
        assertThatThrownBy(() -> GRPCInferenceServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
                .modelInfer(infer(row(ref, 1))))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        // ...while the call in flight still holds the server and its model open.
        assertThat(stopping).isNotDone();
        assertThat(inFlight).isNotDone();
        assertThat(model.current()).isPresent();

        // The second row of the batch, from inside the server process: the batch runs, the call ends.
        try (Lease lease = model.acquire()) {
            lease.predictBatch(row(ref, 1), 1, true, null);
        }
        ModelInferResponse answer = inFlight.get(60, TimeUnit.SECONDS);
        assertThat((double) action(answer)).isCloseTo(ref.get("action").get(0).get(0).asDouble(), within(1e-5));
        stopping.get(60, TimeUnit.SECONDS);
        assertThat(model.current()).isEmpty();
    }

    @Test
    void aCallThatFindsANewerCheckpointLoadsItAndIsAnsweredByIt() throws Exception {
        // Blocking reload mode (the default), no batching: the call runs on its event loop, loads there.
        JsonNode ref = Oip.reference("actor_seed0").get("batch64");
        start(0);
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
        assertThat(stub.modelInfer(infer(row(ref, 0))).getModelVersion()).isEqualTo("model_1");
        Checkpoints.publish(dir, "actor_seed1.onnx", "model_2.onnx", 2);
        ModelInferResponse answer = stub.withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(infer(row(ref, 0)));
        assertThat(answer.getModelVersion()).isEqualTo("model_2");
        assertThat(server.server.models().get("sac").current().orElseThrow().path().getFileName()).hasToString("model_2.onnx");
    }

    private static boolean refused(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub) {
        try {
            stub.withDeadlineAfter(10, TimeUnit.SECONDS).serverLive(ServerLiveRequest.getDefaultInstance());
            return false;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() == Status.Code.UNAVAILABLE;
        }
    }
}
