package dev.hotserve.server.http;

import java.util.Optional;

/**
 * What a route reads of a request, whichever web server carried it: the standalone server's
 * Helidon ({@link HelidonRequest}) or an application's own ({@link RestApi}). The routes see only
 * this, so both servers answer with the same code.
 */
interface RouteRequest {

    /** The model the path names. */
    String model();

    /** The version the path names ({@code /versions/<v>}); empty: whatever serves. */
    Optional<String> version();

    /** The {@code X-Routing-Key} header: during a canary the same key always lands on the same version. */
    Optional<String> routingKey();

    /** The {@code Inference-Header-Content-Length} header of a binary OIP request. */
    Optional<String> inferenceHeaderLength();

    /** The body, under the body limit ({@code HOTSERVE_MAX_BODY_BYTES}); 413 past it. */
    byte[] body();

    /** A repository load request's body, under its own, smaller limit. */
    byte[] loadBody();
}
