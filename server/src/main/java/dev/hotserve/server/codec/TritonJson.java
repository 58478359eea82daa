package dev.hotserve.server.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.hotserve.server.inference.ModelConfiguration;
import dev.hotserve.server.inference.Statistics;
import java.io.IOException;
import java.util.List;

/**
 * The JSON of Triton's statistics and model-configuration extensions, in the shapes Triton's HTTP
 * server writes (the protobuf messages of {@code grpc_service.proto} and {@code model_config.proto}
 * with their field names), so that its clients read them as they read Triton's.
 */
public final class TritonJson {

    private final JsonKit kit;

    public TritonJson(JsonKit kit) {
        this.kit = kit;
    }

    /** {@code {"model_stats": [...]}} */
    public byte[] statistics(List<Statistics.Snapshot> stats) {
        return kit.write(128 + stats.size() * 1024, g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("model_stats");
            for (Statistics.Snapshot s : stats) {
                g.writeStartObject();
                g.writeStringField("name", s.model());
                g.writeStringField("version", s.version());
                g.writeNumberField("last_inference", s.lastInferenceMs());
                g.writeNumberField("inference_count", s.inferenceCount());
                g.writeNumberField("execution_count", s.executionCount());
                g.writeObjectFieldStart("inference_stats");
                total(g, "success", s.success());
                total(g, "fail", s.fail());
                total(g, "queue", s.queue());
                total(g, "compute_input", s.computeInput());
                total(g, "compute_infer", s.computeInfer());
                total(g, "compute_output", s.computeOutput());
                g.writeEndObject();
                g.writeArrayFieldStart("batch_stats");
                for (Statistics.BatchSize b : s.batches()) {
                    g.writeStartObject();
                    g.writeNumberField("batch_size", b.batchSize());
                    total(g, "compute_input", b.computeInput());
                    total(g, "compute_infer", b.computeInfer());
                    total(g, "compute_output", b.computeOutput());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void total(JsonGenerator g, String field, Statistics.Total t) throws IOException {
        g.writeObjectFieldStart(field);
        g.writeNumberField("count", t.count());
        g.writeNumberField("ns", t.ns());
        g.writeEndObject();
    }

    /** A model configuration: Triton's {@code ModelConfig} as JSON (its {@code input} and {@code output} are singular). */
    public byte[] config(ModelConfiguration c) {
        return kit.write(512, g -> {
            g.writeStartObject();
            g.writeStringField("name", c.name());
            g.writeStringField("platform", c.platform());
            g.writeStringField("backend", c.backend());
            g.writeNumberField("max_batch_size", c.maxBatchSize());
            tensors(g, "input", c.inputs());
            tensors(g, "output", c.outputs());
            if (c.dynamicBatching().isPresent()) {
                ModelConfiguration.DynamicBatching d = c.dynamicBatching().get();
                g.writeObjectFieldStart("dynamic_batching");
                g.writeNumberField("max_queue_delay_microseconds", d.maxQueueDelayMicros());
                g.writeObjectFieldStart("default_queue_policy");
                g.writeNumberField("max_queue_size", d.maxQueueSize());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndObject();
        });
    }

    private static void tensors(JsonGenerator g, String field, List<ModelConfiguration.Tensor> tensors) throws IOException {
        g.writeArrayFieldStart(field);
        for (ModelConfiguration.Tensor t : tensors) {
            g.writeStartObject();
            g.writeStringField("name", t.name());
            g.writeStringField("data_type", t.tritonType());
            g.writeFieldName("dims");
            JsonKit.writeShape(g, t.dims());
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
