package dev.hotserve.server.config;

/** A setting is missing, malformed or out of range; the message names it and its value. */
public class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
