package dev.hotserve.spring.autoconfigure;

import dev.hotserve.server.http.RestApi;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.OptionalLong;
import org.springframework.core.Ordered;
import org.springframework.web.HttpRequestHandler;
import org.springframework.web.servlet.handler.AbstractHandlerMapping;
import org.springframework.web.util.UrlPathHelper;

/**
 * The models' REST routes ({@code /<model>/predict}, {@code /v2/...}) in the application's Spring
 * MVC: a request whose path is one of them is answered by the server module's {@link RestApi},
 * the code behind the standalone server's routes, so the bodies and statuses are the same.
 *
 * <p>Ordered after the application's controllers and Actuator's endpoints, so that neither is
 * ever shadowed ({@code /actuator/health} has the shape of a model's {@code /<model>/health}), and
 * before the static resources, whose mapping takes every path that is left.
 */
public class HotserveWebMapping extends AbstractHandlerMapping {

    /** After the annotated controllers (0) and router functions (3); before the static resources (lowest - 1). */
    public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    private final RestApi api;

    public HotserveWebMapping(RestApi api) {
        this.api = api;
        setOrder(ORDER);
    }

    @Override
    protected Object getHandlerInternal(HttpServletRequest request) {
        String path = UrlPathHelper.defaultInstance.getPathWithinApplication(request);
        return api.match(request.getMethod(), path).map(HotserveWebMapping::handler).orElse(null);
    }

    private static HttpRequestHandler handler(RestApi.Call call) {
        return (request, response) -> send(call.answer(new ServletRequest(request)), response);
    }

    private static void send(RestApi.Answer answer, HttpServletResponse response) throws IOException {
        response.setStatus(answer.status());
        response.setContentType(answer.contentType());
        answer.headers().forEach(response::setHeader);
        response.setContentLength(answer.body().length);
        response.getOutputStream().write(answer.body());
    }

    private record ServletRequest(HttpServletRequest request) implements RestApi.Request {

        @Override
        public Optional<String> header(String name) {
            return Optional.ofNullable(request.getHeader(name));
        }

        @Override
        public OptionalLong contentLength() {
            long n = request.getContentLengthLong();
            return n < 0 ? OptionalLong.empty() : OptionalLong.of(n);
        }

        @Override
        public InputStream body() throws IOException {
            return request.getInputStream();
        }
    }
}
