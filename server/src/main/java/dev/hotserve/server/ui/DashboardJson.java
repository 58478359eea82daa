package dev.hotserve.server.ui;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hotserve.core.HotModel;
import dev.hotserve.core.ModelStatus;
import dev.hotserve.core.ReloadEvent;
import dev.hotserve.server.codec.JsonKit;
import dev.hotserve.server.codec.StatusJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The JSON the dashboard's feed sends. A model's state is {@code {name, info, history, events}},
 * where {@code info}, {@code history} and {@code events} are exactly the bodies of the model's
 * JSON routes ({@link StatusJson}; events: the newest {@value #EVENTS_SENT}), so whatever those
 * routes gain (rollout, source health) the page gets too. Figures are rounded to four significant
 * digits: all a chart shows, and the rest only costs bytes on the wire.
 */
final class DashboardJson {

    static final int EVENTS_SENT = 100;

    private final JsonKit kit;
    private final StatusJson status;

    DashboardJson(JsonKit kit) {
        this.kit = kit;
        this.status = new StatusJson(kit);
    }

    /** One server-sent event: its name and one line of JSON. */
    static String frame(String event, byte[] data) {
        return "event: " + event + "\ndata: " + new String(data, StandardCharsets.UTF_8) + "\n\n";
    }

    /** The body of the model's info route (without the route's freshness check: the feed only reads). */
    byte[] info(HotModel m) {
        ModelStatus s = m.status();
        return status.info(s, m.rolloutPolicy(), StatusJson.noModelDetail(s));
    }

    /** Every model's state and its figures so far, {@code models} sorted by name. */
    byte[] snapshot(Instant serverTime, Duration sampleInterval, int windowSamples, List<ModelWatch> models) {
        return kit.write(4096, g -> {
            g.writeStartObject();
            g.writeStringField("server_time", serverTime.toString());
            g.writeNumberField("sample_interval_ms", sampleInterval.toMillis());
            g.writeNumberField("window_samples", windowSamples);
            g.writeArrayFieldStart("models");
            for (ModelWatch w : models) {
                g.writeStartObject();
                writeState(g, w.model, info(w.model));
                writeSeries(g, w);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** A {@code model} event: the model's state, its figures left out (the ticks carry them on). */
    byte[] model(HotModel m, byte[] info) {
        return kit.write(4096, g -> {
            g.writeStartObject();
            writeState(g, m, info);
            g.writeEndObject();
        });
    }

    /** An {@code info} event: {@code {name, info}}. */
    byte[] infoChanged(String name, byte[] info) {
        return kit.write(64 + info.length, g -> {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeFieldName("info");
            g.writeRawValue(utf8(info));
            g.writeEndObject();
        });
    }

    /**
     * A {@code tick}: the time and each model's figures of the last second.
     *
     * @param batches the models whose batch figures are charted (those that batch)
     */
    byte[] tick(Instant now, Map<String, RequestSampler.Figures> figures, Predicate<String> batches) {
        return kit.write(4096, g -> {
            g.writeStartObject();
            g.writeNumberField("t", now.toEpochMilli());
            g.writeObjectFieldStart("models");
            for (Map.Entry<String, RequestSampler.Figures> e : figures.entrySet()) {
                RequestSampler.Figures f = e.getValue();
                g.writeObjectFieldStart(e.getKey());
                number(g, "rate", f.requestsPerSecond());
                number(g, "p50", f.p50Ms());
                number(g, "p99", f.p99Ms());
                if (batches.test(e.getKey())) {
                    number(g, "batches", f.batchesPerSecond());
                    number(g, "rows", f.meanBatchRows());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    private void writeState(JsonGenerator g, HotModel m, byte[] info) throws IOException {
        g.writeStringField("name", m.name());
        g.writeFieldName("info");
        g.writeRawValue(utf8(info));
        g.writeFieldName("history");
        g.writeRawValue(utf8(status.history(m.history())));
        List<ReloadEvent> events = m.events();
        g.writeFieldName("events");
        g.writeRawValue(utf8(status.events(events.subList(0, Math.min(EVENTS_SENT, events.size())))));
    }

    private static void writeSeries(JsonGenerator g, ModelWatch w) throws IOException {
        MetricsRing.Series series = w.ring.series();
        g.writeObjectFieldStart("series");
        g.writeArrayFieldStart("t");
        for (long t : series.epochMillis()) {
            g.writeNumber(t);
        }
        g.writeEndArray();
        numbers(g, "rate", series.requestsPerSecond());
        numbers(g, "p50", series.p50Ms());
        numbers(g, "p99", series.p99Ms());
        if (w.batching) {
            numbers(g, "batches", series.batchesPerSecond());
            numbers(g, "rows", series.meanBatchRows());
        }
        g.writeEndObject();
    }

    private static void numbers(JsonGenerator g, String field, double[] values) throws IOException {
        g.writeArrayFieldStart(field);
        for (double v : values) {
            if (Double.isFinite(v)) {
                g.writeNumber(round(v));
            } else {
                g.writeNull();
            }
        }
        g.writeEndArray();
    }

    private static void number(JsonGenerator g, String field, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(field, round(v));
        } else {
            g.writeNullField(field);
        }
    }

    private static double round(double v) {
        if (v == 0) {
            return 0;
        }
        double scale = Math.pow(10, 3 - Math.floor(Math.log10(Math.abs(v))));
        return Math.round(v * scale) / scale;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
