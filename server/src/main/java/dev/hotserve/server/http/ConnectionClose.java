package dev.hotserve.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;

/**
 * {@code Connection: close} honoured: the socket is closed once the answer is sent. Helidon 4.2
 * sends {@code Connection: close} back but then waits for another request on the socket
 * (helidon-io/helidon#12324, fixed after 4.2), so a client waiting for the end of the stream hangs
 * until its own timeout. Throwing {@link CloseConnectionException} after the answer was written is
 * Helidon's own way to end a connection: its HTTP/1 connection rethrows it and closes the socket.
 * The answer is on the wire by then: writes are synchronous (no write queue is configured).
 */
public final class ConnectionClose {

    private ConnectionClose() {}

    /** Registers the filter on every route; first, so that it sees every answer. */
    public static void register(HttpRouting.Builder routing) {
        routing.addFilter((chain, req, res) -> {
            chain.proceed();
            if (asked(req) && res.isSent()) {
                throw new CloseConnectionException("the request asked for Connection: close");
            }
        });
    }

    /** Whether a {@code Connection} header of the request lists {@code close}. */
    static boolean asked(ServerRequest req) {
        for (String value : req.headers().all(HeaderNames.CONNECTION, java.util.List::of)) {
            for (String token : value.split(",")) {
                if (token.trim().equalsIgnoreCase("close")) {
                    return true;
                }
            }
        }
        return false;
    }
}
