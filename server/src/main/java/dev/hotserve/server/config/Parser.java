package dev.hotserve.server.config;

/** Turns one raw value into a setting's type, or refuses it with a message naming its origin and the value. */
@FunctionalInterface
public interface Parser<T> {
    T parse(Value v) throws ConfigException;
}
