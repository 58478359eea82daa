package dev.hotserve.server.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Everything the server needs, read and validated once at start-up ({@link ConfigLoader}) and then
 * handed down; nothing reads the environment after this record exists.
 *
 * @param port 0 picks a free port (tests)
 * @param shutdownGrace how long a stopping server lets in-flight requests finish
 * @param grpcPort the Open Inference Protocol's gRPC port (0 picks a free one); empty: no gRPC server
 */
public record ServerConfig(
        String host, int port, List<ModelConfig> models, AuthConfig auth, Limits limits, Duration shutdownGrace,
        OptionalInt grpcPort) {

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, was " + port);
        }
        models = List.copyOf(models);
        if (models.isEmpty()) {
            throw new IllegalArgumentException("at least one model must be configured");
        }
        Set<String> names = new HashSet<>();
        for (ModelConfig m : models) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("model name '" + m.name() + "' is configured twice");
            }
        }
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        Objects.requireNonNull(grpcPort, "grpcPort");
        grpcPort.ifPresent(p -> {
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException("gRPC port must be 0-65535, was " + p);
            }
        });
    }
}
