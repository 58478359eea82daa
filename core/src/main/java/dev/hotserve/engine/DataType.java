package dev.hotserve.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The element types a tensor may have: every datatype of the Open Inference Protocol, with the
 * names it uses on the wire ({@code "FP32"}, ...). Each is backed by one Java array (see
 * {@link Tensor}): Java has no unsigned or half-precision primitives, so an unsigned type keeps its
 * bits in the signed primitive of the same width ({@code UINT64} in a {@code long}, read it with
 * {@link Long#toUnsignedString}) and FP16 keeps its IEEE half-precision bits in a {@code short}
 * ({@link Float#float16ToFloat}). BYTES elements are byte strings of any length, one
 * {@code byte[]} each.
 */
public enum DataType {
    BOOL(1, boolean[].class),
    UINT8(1, byte[].class),
    UINT16(2, short[].class),
    UINT32(4, int[].class),
    UINT64(8, long[].class),
    INT8(1, byte[].class),
    INT16(2, short[].class),
    INT32(4, int[].class),
    INT64(8, long[].class),
    FP16(2, short[].class),
    FP32(4, float[].class),
    FP64(8, double[].class),
    /** Byte strings of any length: no fixed element size ({@link #byteSize} is 0). */
    BYTES(0, byte[][].class);

    private final int byteSize;
    private final Class<?> carrier;

    DataType(int byteSize, Class<?> carrier) {
        this.byteSize = byteSize;
        this.carrier = carrier;
    }

    /**
     * Bytes per element in the protocol's raw (little-endian) encoding; 0 for BYTES, whose
     * elements each take a 4-byte length and their own bytes.
     */
    public int byteSize() {
        return byteSize;
    }

    /** Whether every element takes {@link #byteSize} bytes (all but BYTES). */
    public boolean fixedSize() {
        return byteSize > 0;
    }

    /** The Java array type that holds the values: {@code long[].class} for INT64 and UINT64, ... */
    public Class<?> carrier() {
        return carrier;
    }

    /** The protocol's name: {@code "FP32"}, {@code "UINT64"}, {@code "BYTES"}, ... */
    public String wireName() {
        return name();
    }

    /** Whether elements are floating point (and may therefore be NaN or infinite). */
    public boolean floating() {
        return this == FP16 || this == FP32 || this == FP64;
    }

    /** Whether this is one of the unsigned integer types, whose values are kept as bits in a signed carrier. */
    public boolean unsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    /** The type of a wire name, exactly as spelled by the protocol (upper case); empty for any other. */
    public static Optional<DataType> fromWireName(String wire) {
        if (wire == null) {
            return Optional.empty();
        }
        return switch (wire) {
            case "BOOL" -> Optional.of(BOOL);
            case "UINT8" -> Optional.of(UINT8);
            case "UINT16" -> Optional.of(UINT16);
            case "UINT32" -> Optional.of(UINT32);
            case "UINT64" -> Optional.of(UINT64);
            case "INT8" -> Optional.of(INT8);
            case "INT16" -> Optional.of(INT16);
            case "INT32" -> Optional.of(INT32);
            case "INT64" -> Optional.of(INT64);
            case "FP16" -> Optional.of(FP16);
            case "FP32" -> Optional.of(FP32);
            case "FP64" -> Optional.of(FP64);
            case "BYTES" -> Optional.of(BYTES);
            default -> Optional.empty();
        };
    }

    /**
     * The type of a wire name, or an {@link InvalidInputException} naming {@code input} and listing
     * the supported names.
     */
    public static DataType parse(String wire, String input) {
        return fromWireName(wire).orElseThrow(() -> new InvalidInputException(input, "input '" + input + "': datatype "
                + (wire == null ? "is missing" : "'" + wire + "' is not supported")
                + "; supported: " + supported()
                + (wire != null && fromWireName(wire.toUpperCase(Locale.ROOT)).isPresent() ? " (names are upper case)" : "")));
    }

    /** {@code "BOOL, UINT8, ..., BYTES"} */
    public static String supported() {
        return Arrays.stream(values()).map(DataType::wireName).collect(Collectors.joining(", "));
    }
}
