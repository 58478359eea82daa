package dev.hotserve.bench;

import dev.hotserve.server.grpc.oip.ModelInferRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes one gRPC-framed {@code ModelInferRequest} (the 5-byte length prefix, then the message) for
 * h2load's {@code -d}: batch {@code rows} of the 28-wide SAC state as raw little-endian contents,
 * asking for the action only.
 *
 * <pre>java -cp ... dev.hotserve.bench.GrpcPayload OUT ROWS [MODEL]</pre>
 */
public final class GrpcPayload {

    private GrpcPayload() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int rows = Integer.parseInt(args[1]);
        String model = args.length > 2 ? args[2] : "sac";
        ByteBuffer raw = ByteBuffer.allocate(rows * 28 * 4).order(ByteOrder.LITTLE_ENDIAN);
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < rows * 28; i++) {
            raw.putFloat((float) (random.nextGaussian() * 0.5));
        }
        byte[] message = ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("state").setDatatype("FP32").addShape(rows).addShape(28))
                .addRawInputContents(com.google.protobuf.ByteString.copyFrom(raw.array()))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("action"))
                .build().toByteArray();
        ByteArrayOutputStream framed = new ByteArrayOutputStream(message.length + 5);
        framed.write(0); // not compressed
        framed.write(ByteBuffer.allocate(4).putInt(message.length).array(), 0, 4);
        framed.write(message);
        Files.write(out, framed.toByteArray());
    }
}
