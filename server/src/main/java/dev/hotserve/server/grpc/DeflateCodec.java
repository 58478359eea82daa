package dev.hotserve.server.grpc;

import io.grpc.Codec;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * gRPC's {@code deflate} message encoding (zlib's format, as gRPC's core library writes it), which
 * grpc-java does not register by itself and Triton's client offers next to gzip
 * ({@code compression_algorithm="deflate"}); registered for requests only, as gzip is: answers go
 * uncompressed. Decoded bytes are held to the message size limit by grpc-java's deframer as it
 * reads them, so a small message that inflates past it is refused.
 */
final class DeflateCodec implements Codec {

    @Override
    public String getMessageEncoding() {
        return "deflate";
    }

    @Override
    public InputStream decompress(InputStream is) {
        return new InflaterInputStream(is);
    }

    @Override
    public OutputStream compress(OutputStream os) {
        return new DeflaterOutputStream(os);
    }
}
