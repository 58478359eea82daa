package dev.hotserve.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.hotserve.engine.DataType;
import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.engine.Tensor;
import dev.hotserve.server.grpc.oip.InferParameter;
import dev.hotserve.server.grpc.oip.InferTensorContents;
import dev.hotserve.server.grpc.oip.ModelInferRequest;
import dev.hotserve.server.grpc.oip.ModelInferResponse;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.InferRequest;
import dev.hotserve.server.inference.InferResult;
import dev.hotserve.server.inference.TensorBytes;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Between the protocol's messages and {@link InferRequest} / {@link InferResult}: typed
 * {@code contents} or {@code raw_input_contents} (little-endian, row-major, one entry per input, in
 * order) in; the same form out as came in. Shapes are checked ({@link Dispatcher#elements}) before
 * anything is allocated, and raw contents must hold exactly the bytes the shape and datatype need.
 */
final class GrpcTensors {

    private GrpcTensors() {}

    static InferRequest request(ModelInferRequest req, Dispatcher dispatcher) {
        dispatcher.checkInputCount(req.getInputsCount());
        boolean raw = req.getRawInputContentsCount() > 0;
        if (raw && req.getRawInputContentsCount() != req.getInputsCount()) {
            throw new InvalidInputException("raw_input_contents", "raw_input_contents has " + req.getRawInputContentsCount()
                    + " entries for " + req.getInputsCount() + " inputs; give one per input, in order");
        }
        List<Tensor> inputs = new ArrayList<>(req.getInputsCount());
        for (int i = 0; i < req.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor in = req.getInputs(i);
            String name = in.getName().isEmpty() ? "inputs[" + i + "]" : in.getName();
            if (in.getName().isEmpty()) {
                throw new InvalidInputException(name, name + " has no name");
            }
            DataType type = DataType.parse(in.getDatatype().isEmpty() ? null : in.getDatatype(), name);
            long[] shape = new long[in.getShapeCount()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = in.getShape(d);
            }
            int count = dispatcher.elements(name, shape);
            if (raw) {
                if (in.hasContents() && in.getContents().getSerializedSize() > 0) {
                    throw new InvalidInputException(name, "input '" + name + "' has both contents and raw_input_contents; give one");
                }
                inputs.add(fromRaw(name, type, shape, count, req.getRawInputContents(i)));
            } else {
                inputs.add(fromContents(name, type, shape, count, in.getContents()));
            }
        }
        List<String> outputs = new ArrayList<>(req.getOutputsCount());
        for (ModelInferRequest.InferRequestedOutputTensor o : req.getOutputsList()) {
            outputs.add(o.getName());
        }
        boolean deterministic = true;
        OptionalLong seed = OptionalLong.empty();
        Optional<String> routingKey = Optional.empty();
        for (Map.Entry<String, InferParameter> p : req.getParametersMap().entrySet()) {
            InferParameter v = p.getValue();
            switch (p.getKey()) {
                case "deterministic" -> {
                    if (v.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.BOOL_PARAM) {
                        throw new InvalidInputException("parameters.deterministic", "parameters.deterministic must be a bool_param, was "
                                + v.getParameterChoiceCase());
                    }
                    deterministic = v.getBoolParam();
                }
                case "seed" -> {
                    if (v.getParameterChoiceCase() == InferParameter.ParameterChoiceCase.INT64_PARAM) {
                        seed = OptionalLong.of(v.getInt64Param());
                    } else if (v.getParameterChoiceCase() == InferParameter.ParameterChoiceCase.UINT64_PARAM) {
                        seed = OptionalLong.of(v.getUint64Param());
                    } else {
                        throw new InvalidInputException("parameters.seed", "parameters.seed must be an int64_param, was "
                                + v.getParameterChoiceCase());
                    }
                }
                case "routing_key" -> {
                    if (v.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.STRING_PARAM) {
                        throw new InvalidInputException("parameters.routing_key", "parameters.routing_key must be a string_param, was "
                                + v.getParameterChoiceCase());
                    }
                    routingKey = Optional.of(v.getStringParam());
                }
                default -> {
                    // other parameters are not ours to refuse
                }
            }
        }
        Optional<String> id = req.getId().isEmpty() ? Optional.empty() : Optional.of(req.getId());
        return new InferRequest(id, inputs, outputs, deterministic, seed, routingKey);
    }

    private static Tensor fromRaw(String name, DataType type, long[] shape, int count, ByteString bytes) {
        if (type.fixedSize()) {
            long want = TensorBytes.fixedSize(type, count);
            if (bytes.size() != want) {
                throw new InvalidInputException(name, "input '" + name + "': raw_input_contents holds " + bytes.size() + " bytes; shape "
                        + Arrays.toString(shape) + " of " + type.wireName() + " needs " + want);
            }
        }
        return TensorBytes.decode(name, type, shape, count, bytes.asReadOnlyByteBuffer(),
                (i, problem) -> "input '" + name + "': raw_input_contents: " + problem);
    }

    /** The typed field that carries a datatype's values; FP16 has none (the protocol sends it only as raw contents). */
    private static String field(DataType type) {
        return switch (type) {
            case BOOL -> "bool_contents";
            case INT8, INT16, INT32 -> "int_contents";
            case INT64 -> "int64_contents";
            case UINT8, UINT16, UINT32 -> "uint_contents";
            case UINT64 -> "uint64_contents";
            case FP32 -> "fp32_contents";
            case FP64 -> "fp64_contents";
            case BYTES -> "bytes_contents";
            case FP16 -> null;
        };
    }

    private static int given(DataType type, InferTensorContents c) {
        return switch (type) {
            case BOOL -> c.getBoolContentsCount();
            case INT8, INT16, INT32 -> c.getIntContentsCount();
            case INT64 -> c.getInt64ContentsCount();
            case UINT8, UINT16, UINT32 -> c.getUintContentsCount();
            case UINT64 -> c.getUint64ContentsCount();
            case FP32 -> c.getFp32ContentsCount();
            case FP64 -> c.getFp64ContentsCount();
            case BYTES -> c.getBytesContentsCount();
            case FP16 -> 0;
        };
    }

    private static Tensor fromContents(String name, DataType type, long[] shape, int count, InferTensorContents c) {
        String field = field(type);
        if (field == null) {
            throw new InvalidInputException(name, "input '" + name + "': " + type.wireName() + " has no typed contents field in the"
                    + " protocol; send it as raw_input_contents (little-endian half-precision bits)");
        }
        int given = given(type, c);
        if (given != count) {
            String other = given == 0 && c.getSerializedSize() > 0 ? " (its values are in another field than the " + type.wireName()
                    + " datatype's)" : "";
            throw new InvalidInputException(name, "input '" + name + "': contents." + field + " has " + given + " values, shape "
                    + Arrays.toString(shape) + " needs " + count + other);
        }
        Object data = switch (type) {
            case FP32 -> {
                float[] a = new float[count];
                for (int i = 0; i < count; i++) {
                    a[i] = c.getFp32Contents(i);
                }
                yield a;
            }
            case FP64 -> {
                double[] a = new double[count];
                for (int i = 0; i < count; i++) {
                    a[i] = c.getFp64Contents(i);
                }
                yield a;
            }
            case INT8, UINT8 -> {
                byte[] a = new byte[count];
                for (int i = 0; i < count; i++) {
                    a[i] = (byte) ranged(name, type, c, i);
                }
                yield a;
            }
            case INT16, UINT16 -> {
                short[] a = new short[count];
                for (int i = 0; i < count; i++) {
                    a[i] = (short) ranged(name, type, c, i);
                }
                yield a;
            }
            case INT32 -> {
                int[] a = new int[count];
                for (int i = 0; i < count; i++) {
                    a[i] = c.getIntContents(i);
                }
                yield a;
            }
            case UINT32 -> {
                int[] a = new int[count];
                for (int i = 0; i < count; i++) {
                    a[i] = c.getUintContents(i); // uint32 arrives as its bits in an int
                }
                yield a;
            }
            case INT64 -> {
                long[] a = new long[count];
                for (int i = 0; i < count; i++) {
                    a[i] = c.getInt64Contents(i);
                }
                yield a;
            }
            case UINT64 -> {
                long[] a = new long[count];
                for (int i = 0; i < count; i++) {
                    a[i] = c.getUint64Contents(i); // uint64 arrives as its bits in a long
                }
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[count];
                for (int i = 0; i < count; i++) {
                    a[i] = c.getBoolContents(i);
                }
                yield a;
            }
            case BYTES -> {
                byte[][] a = new byte[count][];
                for (int i = 0; i < count; i++) {
                    a[i] = c.getBytesContents(i).toByteArray();
                }
                yield a;
            }
            case FP16 -> throw new IllegalStateException("FP16 has no typed contents");
        };
        return Tensor.of(name, type, shape, data);
    }

    /** Element {@code i} of a narrow integer type, from the 32-bit field that carries it, within the type's range. */
    private static long ranged(String name, DataType type, InferTensorContents c, int i) {
        long v;
        long min;
        long max;
        switch (type) {
            case INT8 -> {
                v = c.getIntContents(i);
                min = Byte.MIN_VALUE;
                max = Byte.MAX_VALUE;
            }
            case INT16 -> {
                v = c.getIntContents(i);
                min = Short.MIN_VALUE;
                max = Short.MAX_VALUE;
            }
            case UINT8 -> {
                v = Integer.toUnsignedLong(c.getUintContents(i));
                min = 0;
                max = 0xff;
            }
            case UINT16 -> {
                v = Integer.toUnsignedLong(c.getUintContents(i));
                min = 0;
                max = 0xffff;
            }
            default -> throw new IllegalStateException(type + " is not a narrow integer type");
        }
        if (v < min || v > max) {
            throw new InvalidInputException(name, i, "input '" + name + "': contents." + field(type) + "[" + i + "] is " + v
                    + ", beyond " + type.wireName() + " (" + min + ".." + max + ")");
        }
        return v;
    }

    /** How an answer carries its outputs: as the request carried its inputs. */
    enum Contents {
        /** {@code raw_output_contents}, one entry per output */
        RAW,
        /** each output's typed {@code contents} */
        TYPED;

        static Contents of(ModelInferRequest req) {
            return req.getRawInputContentsCount() > 0 ? RAW : TYPED;
        }
    }

    static ModelInferResponse response(InferResult r, Optional<String> id, Contents contents) {
        ModelInferResponse.Builder b = ModelInferResponse.newBuilder().setModelName(r.model()).setModelVersion(r.versionName());
        id.ifPresent(b::setId);
        // An FP16 output has no typed field, and raw contents are all outputs or none: then all go raw, as Triton answers.
        boolean raw = contents == Contents.RAW || r.outputs().stream().anyMatch(t -> field(t.type()) == null);
        for (Tensor t : r.outputs()) {
            ModelInferResponse.InferOutputTensor.Builder o = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(t.name()).setDatatype(t.type().wireName());
            for (long d : t.shape()) {
                o.addShape(d);
            }
            if (raw) {
                b.addRawOutputContents(rawBytes(t));
            } else {
                o.setContents(contents(t));
            }
            b.addOutputs(o);
        }
        return b.build();
    }

    static ByteString rawBytes(Tensor t) {
        byte[] bytes = new byte[TensorBytes.byteSize(t)];
        TensorBytes.write(t, ByteBuffer.wrap(bytes));
        return UnsafeByteOperations.unsafeWrap(bytes); // ours alone from here: never written again
    }

    private static InferTensorContents contents(Tensor t) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        switch (t.type()) {
            case FP32 -> {
                for (float v : t.floats()) {
                    c.addFp32Contents(v);
                }
            }
            case FP64 -> {
                for (double v : t.doubles()) {
                    c.addFp64Contents(v);
                }
            }
            case INT8 -> {
                for (byte v : t.bytes()) {
                    c.addIntContents(v);
                }
            }
            case INT16 -> {
                for (short v : t.shorts()) {
                    c.addIntContents(v);
                }
            }
            case INT32 -> {
                for (int v : t.ints()) {
                    c.addIntContents(v);
                }
            }
            case UINT8 -> {
                for (byte v : t.bytes()) {
                    c.addUintContents(Byte.toUnsignedInt(v));
                }
            }
            case UINT16 -> {
                for (short v : t.shorts()) {
                    c.addUintContents(Short.toUnsignedInt(v));
                }
            }
            case UINT32 -> {
                for (int v : t.ints()) {
                    c.addUintContents(v);
                }
            }
            case INT64 -> {
                for (long v : t.longs()) {
                    c.addInt64Contents(v);
                }
            }
            case UINT64 -> {
                for (long v : t.longs()) {
                    c.addUint64Contents(v);
                }
            }
            case BOOL -> {
                for (boolean v : t.booleans()) {
                    c.addBoolContents(v);
                }
            }
            case BYTES -> {
                for (byte[] v : t.byteStrings()) {
                    c.addBytesContents(ByteString.copyFrom(v));
                }
            }
            case FP16 -> throw new IllegalStateException("FP16 outputs go as raw contents");
        }
        return c.build();
    }
}
