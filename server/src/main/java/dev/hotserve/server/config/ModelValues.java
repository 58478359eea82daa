package dev.hotserve.server.config;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The values of one model's {@link Setting.Scope#MODEL} settings, parsed, defaults filled in; a
 * setting without a value (and without a default) is absent. {@link ModelConfig}'s accessors read
 * from it, so a new per-model setting is a table row, an accessor and its use.
 */
public record ModelValues(Map<Setting, Object> values) {

    public ModelValues {
        values = Map.copyOf(values);
        for (Setting s : values.keySet()) {
            if (s.scope() != Setting.Scope.MODEL) {
                throw new IllegalArgumentException(s + " is not a per-model setting");
            }
        }
    }

    /** Reads every per-model setting from {@code sources} for the model of this entry (null: no entry). */
    static ModelValues read(Sources sources, com.fasterxml.jackson.databind.JsonNode entry) throws ConfigException {
        Map<Setting, Object> out = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            if (s.scope() == Setting.Scope.MODEL) {
                Optional<Object> v = s.read(sources.model(s, entry));
                if (v.isPresent()) {
                    out.put(s, v.get());
                }
            }
        }
        return new ModelValues(out);
    }

    /** The same values with {@code s} set to {@code value}. */
    ModelValues with(Setting s, Object value) {
        Map<Setting, Object> out = new EnumMap<>(Setting.class);
        out.putAll(values);
        out.put(s, value);
        return new ModelValues(out);
    }

    /** The value of a setting with a default. */
    <T> T get(Setting s, Class<T> type) {
        Object v = values.get(s);
        if (v == null) {
            throw new IllegalStateException(s + " has no value");
        }
        return type.cast(v);
    }

    /** The value of a setting that may be unset. */
    <T> Optional<T> find(Setting s, Class<T> type) {
        return Optional.ofNullable(values.get(s)).map(type::cast);
    }
}
