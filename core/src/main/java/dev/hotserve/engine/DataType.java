package dev.hotserve.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The element types a tensor may have, with the names the Open Inference Protocol uses on the
 * wire ({@code "FP32"}, ...). Each is backed by one Java primitive array (see {@link Tensor}).
 */
public enum DataType {
    FP32(4),
    FP64(8),
    INT32(4),
    INT64(8),
    /** One byte per element on the wire (raw contents), {@code boolean[]} in Java. */
    BOOL(1);

    private final int byteSize;

    DataType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element in the protocol's raw (little-endian) encoding. */
    public int byteSize() {
        return byteSize;
    }

    /** The protocol's name: {@code "FP32"}, {@code "FP64"}, {@code "INT32"}, {@code "INT64"}, {@code "BOOL"}. */
    public String wireName() {
        return name();
    }

    /** Whether elements are floating point (and may therefore be NaN or infinite). */
    public boolean floating() {
        return this == FP32 || this == FP64;
    }

    /** The type of a wire name, exactly as spelled by the protocol (upper case); empty for any other. */
    public static Optional<DataType> fromWireName(String wire) {
        if (wire == null) {
            return Optional.empty();
        }
        return switch (wire) {
            case "FP32" -> Optional.of(FP32);
            case "FP64" -> Optional.of(FP64);
            case "INT32" -> Optional.of(INT32);
            case "INT64" -> Optional.of(INT64);
            case "BOOL" -> Optional.of(BOOL);
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

    /** {@code "FP32, FP64, INT32, INT64, BOOL"} */
    public static String supported() {
        return Arrays.stream(values()).map(DataType::wireName).collect(Collectors.joining(", "));
    }
}
