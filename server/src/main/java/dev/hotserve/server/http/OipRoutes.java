package dev.hotserve.server.http;

import dev.hotserve.core.ModelVersion;
import dev.hotserve.server.codec.JsonKit;
import dev.hotserve.server.codec.OipBinary;
import dev.hotserve.server.codec.OipJsonReader;
import dev.hotserve.server.codec.OipJsonWriter;
import dev.hotserve.server.codec.TritonJson;
import dev.hotserve.server.inference.Dispatcher;
import dev.hotserve.server.inference.InferRequest;
import dev.hotserve.server.inference.InferResult;
import dev.hotserve.server.inference.ModelConfiguration;
import dev.hotserve.server.inference.ModelMetadata;
import dev.hotserve.server.inference.ModelRegistry;
import dev.hotserve.server.inference.Repository;
import dev.hotserve.server.inference.ServedModel;
import dev.hotserve.server.inference.ServerIdentity;
import dev.hotserve.server.inference.Statistics;
import dev.hotserve.server.inference.Versions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The Open Inference Protocol v2 over REST: health, metadata, readiness and inference for
 * every served model, and Triton's model repository, statistics and model-configuration
 * extensions. Inference goes through the same {@link Dispatcher} as the native routes and gRPC;
 * the extensions answer from the same {@link Repository}, {@link Statistics} and
 * {@link ModelConfiguration} as gRPC's.
 */
final class OipRoutes {

    /** Only the extensions that work (Triton's names); gRPC's list is its own, without binary tensor data. */
    static final List<String> EXTENSIONS = List.of("binary_tensor_data", "model_repository", "statistics", "model_configuration");

    /** Where the admin routes are not mounted (an application's own web server): no repository to load into or list. */
    static final List<String> EXTENSIONS_WITHOUT_ADMIN = EXTENSIONS.stream().filter(e -> !e.equals("model_repository")).toList();

    private final Dispatcher dispatcher;
    private final ModelRegistry registry;
    private final Repository repository;
    private final OipJsonReader reader;
    private final OipJsonWriter json;
    private final TritonJson triton;

    private final List<String> extensions;

    OipRoutes(Dispatcher dispatcher, JsonKit kit, Repository repository, List<String> extensions) {
        this.dispatcher = dispatcher;
        this.extensions = extensions;
        this.reader = new OipJsonReader(kit);
        this.json = new OipJsonWriter(kit);
        this.triton = new TritonJson(kit);
        this.registry = dispatcher.registry();
        this.repository = repository;
    }

    Reply live(RouteRequest req) {
        return Reply.json(200, json.ready("live", true, null), null);
    }

    /** 200 when every served model has a loaded version, else 503. */
    Reply ready(RouteRequest req) {
        boolean ready = registry.ready();
        return Reply.json(ready ? 200 : 503, json.ready("ready", ready, null), null);
    }

    Reply serverMetadata(RouteRequest req) {
        return Reply.json(200, json.serverMetadata(ServerIdentity.NAME, ServerIdentity.VERSION, extensions), null);
    }

    Reply modelMetadata(RouteRequest req) {
        ModelMetadata m = ModelMetadata.of(registry, req.model(), req.version());
        return Reply.json(200, json.modelMetadata(m), m.version());
    }

    /** 200 when the model serves the version asked for; 404 for an unknown model or version; 503 with none loaded. */
    Reply modelReady(RouteRequest req) {
        Optional<String> version = req.version();
        try (ServedModel.Use use = registry.use(req.model())) {
            ModelVersion v = use.model().current().orElse(null);
            if (v == null) {
                throw HttpError.unavailable("model '" + use.served().name() + "' has no loaded version yet");
            }
            Versions.check(use.served(), v, version);
            return Reply.json(200, json.ready("ready", true, use.served().name()), v);
        }
    }

    Reply infer(RouteRequest req) {
        byte[] body = req.body();
        Optional<String> headerLength = req.inferenceHeaderLength();
        int jsonLength = OipBinary.headerLength(headerLength, body.length);
        if (headerLength.isPresent() && jsonLength == 0) {
            // Triton's raw binary request: no JSON, so no routing key either; the input is the leased version's one input.
            // Its answer is JSON: nothing asked for binary outputs.
            return dispatcher.infer(req.model(), req.version(), Optional.empty(),
                    lease -> InferRequest.of(OipBinary.rawInput(lease.signature().inputs(), body, dispatcher::elements)),
                    r -> answer(r, Optional.empty(), output -> false));
        }
        // Parsed before a version is leased: the body carries the canary routing key. Its checks against the
        // model's signature happen in the dispatcher, on the version that answers.
        OipJsonReader.InferBody parsed = reader.parseInfer(body, jsonLength, dispatcher);
        InferRequest request = parsed.request();
        return dispatcher.infer(req.model(), req.version(), request.routingKey(), lease -> request,
                r -> answer(r, request.id(), parsed::binary));
    }

    private Reply answer(InferResult r, Optional<String> id, Predicate<String> binaryOutput) {
        OipJsonWriter.Encoded e = json.inferResponse(r, id, binaryOutput);
        if (!e.binary()) {
            return Reply.json(200, e.body(), r.version());
        }
        return new Reply(200, OipBinary.OCTET_STREAM, e.body(), Optional.of(r.version()),
                Map.of(OipBinary.HEADER_LENGTH, Integer.toString(e.jsonLength())));
    }

    Reply repositoryIndex(RouteRequest req) {
        req.body(); // {"ready": ...} filters nothing here: every model is listed
        List<OipJsonWriter.IndexEntry> entries = repository.index().stream()
                .map(e -> new OipJsonWriter.IndexEntry(e.name(), e.version().orElse(null), e.state().name(), e.reason())).toList();
        return Reply.json(200, json.repositoryIndex(entries), null);
    }

    /** Adds or replaces the model with the config entry of the body; without one, rebuilds it from its current config. */
    Reply repositoryLoad(RouteRequest req) {
        String name = req.model();
        repository.checkName(name); // before the body is read or any path is built from it
        Optional<String> configJson = reader.parseLoadConfig(req.loadBody());
        ServedModel m = repository.load(name, configJson);
        ModelVersion v = m.model().current().orElse(null);
        return Reply.json(200, json.emptyObject(), v);
    }

    Reply repositoryUnload(RouteRequest req) {
        repository.unload(req.model());
        return Reply.json(200, json.emptyObject(), null);
    }

    /** Triton's statistics extension, {@code /v2/models/stats}: every model's loaded versions. */
    Reply statisticsOfAll(RouteRequest req) {
        return Reply.json(200, triton.statistics(Statistics.of(registry, Optional.empty(), Optional.empty())), null);
    }

    /** Triton's statistics extension: one model's loaded versions, or the one version asked for. */
    Reply statistics(RouteRequest req) {
        return Reply.json(200, triton.statistics(Statistics.of(registry, Optional.of(req.model()), req.version())), null);
    }

    /** Triton's model-configuration extension, of the version that answers. */
    Reply config(RouteRequest req) {
        ModelConfiguration c = ModelConfiguration.of(registry, req.model(), req.version());
        return Reply.json(200, triton.config(c), c.version());
    }
}
