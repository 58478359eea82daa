package dev.hotserve.server.http;

import dev.hotserve.server.codec.JsonKit;
import dev.hotserve.server.config.Setting;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;

/**
 * Checks of the request headers that come before any route reads them:
 * <ul>
 *   <li>more headers than the limit is a 431. Helidon bounds their bytes
 *       ({@code HOTSERVE_MAX_HEADER_BYTES}) but not their number;</li>
 *   <li>a body framed two ways (Content-Length beside Transfer-Encoding, or Content-Length values
 *       that differ) is a 400 and the connection closes: a proxy in front may have framed it the
 *       other way, which is how requests are smuggled (RFC 9112 §6.3).</li>
 * </ul>
 */
public final class HeaderChecks {

    private static final Status TOO_MANY = Status.create(431, "Request Header Fields Too Large");

    private HeaderChecks() {}

    /** Register first, before every route and filter that reads headers. */
    public static void register(HttpRouting.Builder routing, int maxHeaders) {
        JsonKit codec = new JsonKit();
        routing.addFilter((chain, req, res) -> {
            int n = req.headers().size();
            if (n > maxHeaders) {
                refuse(codec, req, res, TOO_MANY, "the request has " + n + " headers; the limit is " + maxHeaders + " ("
                        + Setting.MAX_HEADERS.env() + ")");
                return;
            }
            String framing = ambiguousFraming(req);
            if (framing != null) {
                refuse(codec, req, res, Status.BAD_REQUEST_400, framing);
                return;
            }
            chain.proceed();
        });
    }

    private static String ambiguousFraming(ServerRequest req) {
        if (!req.headers().contains(HeaderNames.CONTENT_LENGTH)) {
            return null;
        }
        if (req.headers().contains(HeaderNames.TRANSFER_ENCODING)) {
            return "the request has both Content-Length and Transfer-Encoding; send one";
        }
        List<String> lengths = req.headers().get(HeaderNames.CONTENT_LENGTH).allValues();
        if (lengths.stream().map(String::trim).distinct().count() > 1) {
            return "the request has Content-Length values that differ: " + lengths;
        }
        return null;
    }

    private static void refuse(JsonKit codec, ServerRequest req, ServerResponse res, Status status, String message) {
        String field = req.path().rawPath().startsWith("/v2") ? ErrorMapper.Style.ERROR.field : ErrorMapper.Style.DETAIL.field;
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, Reply.JSON);
        res.header(HeaderNames.CONNECTION, "close");
        res.send(codec.object(field, message));
    }
}
