package dev.hotserve.server.codec;

import static dev.hotserve.server.codec.JsonKit.millis;
import static dev.hotserve.server.codec.JsonKit.writeFinite;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hotserve.core.LoadFailure;
import dev.hotserve.core.ModelStatus;
import dev.hotserve.core.ModelVersion;
import dev.hotserve.core.ReloadEvent;
import dev.hotserve.core.RolloutPolicy;
import dev.hotserve.core.RolloutStatus;
import dev.hotserve.source.SourceHealth;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A model's state as the native API's status routes give it ({@code /<name>/health},
 * {@code /model/info}, {@code /model/history}, {@code /model/events}) and as the dashboard's feed
 * repeats it byte for byte, so whatever those routes gain the page gets too.
 */
public final class StatusJson {

    private final JsonKit kit;

    public StatusJson(JsonKit kit) {
        this.kit = kit;
    }

    public byte[] health(String name, ModelVersion v) {
        return kit.write(256, g -> {
            g.writeStartObject();
            g.writeStringField("status", v == null ? "no_model" : "ok");
            g.writeStringField("name", name);
            g.writeBooleanField("loaded", v != null);
            g.writeNumberField("generation", v == null ? 0 : v.generation());
            if (v != null) {
                g.writeStringField("model_path", v.path().toString());
            }
            g.writeEndObject();
        });
    }

    /**
     * The info route's body: the serving version's fields at the top level, then the model's
     * state. With no model loaded it carries {@code detail} too (it is then a 503 body).
     */
    public byte[] info(ModelStatus s, RolloutPolicy policy, String detailWhenNone) {
        return kit.write(1024, g -> {
            g.writeStartObject();
            ModelVersion v = s.current().orElse(null);
            if (v == null) {
                g.writeStringField("detail", detailWhenNone);
            }
            g.writeStringField("name", s.name());
            g.writeBooleanField("loaded", v != null);
            if (v != null) {
                writeVersionFields(g, v);
            }
            g.writeNumberField("generation", s.generation());
            g.writeBooleanField("pinned", s.pinned());
            g.writeStringField("mode", s.mode().name().toLowerCase(Locale.ROOT));
            g.writeStringField("source", s.source());
            writeSourceHealth(g, s.sourceHealth());
            if (s.pending().isPresent()) {
                g.writeStringField("pending", s.pending().get());
            } else {
                g.writeNullField("pending");
            }
            g.writeObjectFieldStart("batching");
            g.writeBooleanField("enabled", s.batching().enabled());
            g.writeNumberField("max_batch_size", s.batching().maxBatchSize());
            g.writeNumberField("max_queue_delay_ms", s.batching().maxQueueDelay().toNanos() / 1e6);
            g.writeBooleanField("adaptive_queue_delay", s.batching().adaptiveDelay());
            g.writeNumberField("max_queued_requests", s.batching().maxQueuedRequests());
            g.writeNumberField("queue_depth", s.queueDepth());
            g.writeEndObject();
            writeRollout(g, s.rollout(), policy);
            g.writeFieldName("last_error");
            LoadFailure f = s.lastError().orElse(null);
            if (f == null) {
                g.writeNull();
            } else {
                g.writeStartObject();
                g.writeStringField("path", f.path().toString());
                g.writeStringField("at", f.at().toString());
                g.writeStringField("reason", f.reason());
                g.writeEndObject();
            }
            g.writeEndObject();
        });
    }

    /** What the info body says when no version is loaded and the caller has nothing more precise to say. */
    public static String noModelDetail(ModelStatus s) {
        return s.lastError().map(f -> "no model is loaded; last error: " + f.path() + ": " + f.reason()).orElse("no model is loaded");
    }

    /** Whether the source could be reached, and when it last was (always reachable for local files). */
    private static void writeSourceHealth(JsonGenerator g, SourceHealth h) throws IOException {
        g.writeObjectFieldStart("source_health");
        g.writeBooleanField("reachable", h.reachable());
        g.writeStringField("last_reached", h.lastReached().map(Object::toString).orElse(null));
        g.writeStringField("last_error", h.lastError().orElse(null));
        g.writeNumberField("consecutive_failures", h.consecutiveFailures());
        g.writeEndObject();
    }

    /** The rollout's phase, candidate or guarded previous version, and its figures so far. */
    private static void writeRollout(JsonGenerator g, RolloutStatus r, RolloutPolicy policy) throws IOException {
        g.writeObjectFieldStart("rollout");
        g.writeStringField("mode", policy.mode().name().toLowerCase(Locale.ROOT));
        g.writeStringField("phase", r.phase());
        writeOptionalVersion(g, "candidate", r.candidate());
        writeOptionalVersion(g, "previous", r.previous());
        g.writeStringField("since", r.since().map(Object::toString).orElse(null));
        g.writeStringField("until", r.until().map(Object::toString).orElse(null));
        g.writeObjectFieldStart("drift");
        g.writeNumberField("comparisons", r.comparisons());
        writeFinite(g, "p50", r.driftP50());
        writeFinite(g, "p99", r.driftP99());
        writeFinite(g, "max", r.driftMax());
        g.writeNumberField("max_allowed", policy.maxDrift());
        g.writeNumberField("skipped", r.skipped());
        g.writeEndObject();
        g.writeObjectFieldStart("candidate_traffic");
        g.writeNumberField("requests", r.candidateRequests());
        g.writeNumberField("errors", r.candidateErrors());
        g.writeNumberField("non_finite", r.candidateNonFinite());
        g.writeEndObject();
        g.writeObjectFieldStart("stable_traffic");
        g.writeNumberField("requests", r.stableRequests());
        g.writeNumberField("errors", r.stableErrors());
        g.writeNumberField("non_finite", r.stableNonFinite());
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void writeOptionalVersion(JsonGenerator g, String field, Optional<ModelVersion> v) throws IOException {
        if (v.isEmpty()) {
            g.writeNullField(field);
            return;
        }
        g.writeObjectFieldStart(field);
        g.writeNumberField("generation", v.get().generation());
        writeVersionFields(g, v.get());
        g.writeEndObject();
    }

    /** Versions, newest first (as the core gives them). */
    public byte[] history(List<ModelVersion> versions) {
        return kit.write(64 + versions.size() * 400, g -> {
            g.writeStartArray();
            for (ModelVersion v : versions) {
                g.writeStartObject();
                g.writeNumberField("generation", v.generation());
                writeVersionFields(g, v);
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /** What the info route and each history entry say of a loaded version (the generation aside). */
    private static void writeVersionFields(JsonGenerator g, ModelVersion v) throws IOException {
        // The same on every replica that loaded the same checkpoint: what a fleet is compared by.
        g.writeStringField("version", v.name());
        g.writeStringField("checkpoint", v.source());
        g.writeStringField("path", v.path().toString());
        g.writeStringField("mtime", v.mtime().toString());
        g.writeNumberField("size", v.size());
        g.writeStringField("sha256", v.sha256());
        g.writeStringField("signer", v.signer().orElse(null)); // null: no signature was verified
        g.writeNumberField("state_dim", v.stateDim());
        g.writeNumberField("action_dim", v.actionDim());
        g.writeStringField("engine", v.engine());
        g.writeStringField("head", v.head());
        g.writeBooleanField("jit_compiled", v.optimized());
        g.writeStringField("loaded_at", v.loadedAt().toString());
        g.writeNumberField("load_duration_ms", millis(v.loadDuration()));
    }

    /** Reload events, newest first (as the core gives them). */
    public byte[] events(List<ReloadEvent> events) {
        return kit.write(64 + events.size() * 300, g -> {
            g.writeStartArray();
            for (ReloadEvent e : events) {
                g.writeStartObject();
                g.writeStringField("at", e.at().toString());
                g.writeStringField("kind", e.kind().name().toLowerCase(Locale.ROOT));
                g.writeNumberField("old_generation", e.oldGeneration());
                g.writeNumberField("new_generation", e.newGeneration());
                if (e.path() == null) {
                    g.writeNullField("path");
                } else {
                    g.writeStringField("path", e.path().toString());
                }
                g.writeStringField("reason", e.reason());
                g.writeNumberField("duration_ms", millis(e.duration()));
                if (e.error() == null) {
                    g.writeNullField("error");
                } else {
                    g.writeStringField("error", e.error());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

}
