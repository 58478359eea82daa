package dev.hotserve.server.http;

import dev.hotserve.server.codec.OipBinary;
import dev.hotserve.server.config.Limits;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;

/** A request of the standalone server's Helidon, as the routes read it. */
record HelidonRequest(ServerRequest req, Limits limits) implements RouteRequest {

    private static final HeaderName ROUTING_KEY = HeaderNames.create("X-Routing-Key");
    private static final HeaderName INFERENCE_HEADER_LENGTH = HeaderNames.create(OipBinary.HEADER_LENGTH);

    /** Helidon's own ways of saying the request could not be read (client gone mid-body, broken chunking): a 400. */
    static boolean unreadable(Throwable t) {
        return t instanceof RequestException || t instanceof CloseConnectionException;
    }

    @Override
    public String model() {
        return ModelPath.model(req);
    }

    @Override
    public Optional<String> version() {
        if (ModelPath.matched(req)) {
            return Optional.empty();
        }
        var params = req.path().pathParameters();
        return params.contains("version") ? Optional.of(params.get("version")) : Optional.empty();
    }

    @Override
    public Optional<String> routingKey() {
        return req.headers().first(ROUTING_KEY);
    }

    @Override
    public Optional<String> inferenceHeaderLength() {
        return req.headers().first(INFERENCE_HEADER_LENGTH);
    }

    @Override
    public byte[] body() {
        return RequestBody.read(req, limits);
    }

    @Override
    public byte[] loadBody() {
        return RequestBody.readLoadRequest(req, limits);
    }
}
