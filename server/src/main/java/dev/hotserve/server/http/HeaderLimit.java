package dev.hotserve.server.http;

import dev.hotserve.server.config.Setting;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;

/**
 * Refuses a request with more headers than the limit with a 431, before any route reads them.
 * Helidon bounds the bytes of the headers (HOTSERVE_MAX_HEADER_BYTES) but not their number, and
 * thousands of tiny headers cost a lookup structure each route then walks.
 */
public final class HeaderLimit {

    private static final Status TOO_MANY = Status.create(431, "Request Header Fields Too Large");

    private HeaderLimit() {}

    /** Register first, before every route and filter that reads headers. */
    public static void register(HttpRouting.Builder routing, int maxHeaders) {
        JsonCodec codec = new JsonCodec();
        routing.addFilter((chain, req, res) -> {
            int n = req.headers().size();
            if (n <= maxHeaders) {
                chain.proceed();
                return;
            }
            String field = req.path().rawPath().startsWith("/v2") ? ErrorMapper.Style.ERROR.field : ErrorMapper.Style.DETAIL.field;
            res.status(TOO_MANY);
            res.header(HeaderNames.CONTENT_TYPE, Reply.JSON);
            res.header(HeaderNames.CONNECTION, "close");
            res.send(codec.message(field, "the request has " + n + " headers; the limit is " + maxHeaders + " ("
                    + Setting.MAX_HEADERS.env() + ")"));
        });
    }
}
