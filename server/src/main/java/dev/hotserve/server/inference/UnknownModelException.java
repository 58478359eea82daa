package dev.hotserve.server.inference;

import java.util.Collection;

/** No model of that name is served (never was, or was unloaded). Answered 404 / NOT_FOUND. */
public final class UnknownModelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnknownModelException(String name, Collection<String> served) {
        super("no model '" + name + "'; served models: " + (served.isEmpty() ? "none" : String.join(", ", served)), null, false, false);
    }
}
