package dev.hotserve.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The manifests of {@code deploy/}, read strictly into typed objects: Kubernetes' own kinds as
 * fabric8's model classes, KServe's two kinds as records of their published fields. A field that
 * the type does not have fails the read, as {@code kubectl apply --validate=strict} would: Jackson
 * refuses it in a record, and {@link #refuseUnknownFields} finds it in a fabric8 object, which
 * keeps unknown fields aside rather than failing.
 */
final class Manifests {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private static final Map<String, Class<?>> KINDS = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "apps/v1/Deployment", Deployment.class,
            "serving.kserve.io/v1alpha1/ClusterServingRuntime", ClusterServingRuntime.class,
            "serving.kserve.io/v1beta1/InferenceService", InferenceService.class);

    private Manifests() {
    }

    /** The repository's {@code deploy/} folder (beside {@code fixtures/}). */
    static Path deployDir() {
        return Path.of(System.getProperty("hotserve.fixtures")).getParent().getParent().resolve("deploy");
    }

    /** Every document of every {@code .yaml} file under {@code dir}, typed, in file order. */
    static List<Object> readAll(Path dir) throws IOException {
        List<Object> all = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                all.addAll(read(f));
            }
        }
        return all;
    }

    /** The documents of one file, typed; an unknown kind or field is an {@link IllegalArgumentException} naming the file. */
    static List<Object> read(Path file) throws IOException {
        List<Object> docs = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc == null || doc.isMissingNode() || doc.isNull()) {
                    continue; // an empty document, as after a leading "---"
                }
                String kind = doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
                Class<?> type = KINDS.get(kind);
                if (type == null) {
                    throw new IllegalArgumentException(file + ": no typed model for " + kind);
                }
                Object typed;
                try {
                    typed = YAML.treeToValue(doc, type);
                } catch (JacksonException e) {
                    throw new IllegalArgumentException(file + ": " + e.getOriginalMessage(), e);
                }
                refuseUnknownFields(typed, file + ": " + doc.path("kind").asText());
                docs.add(typed);
            }
        }
        return docs;
    }

    static <T> List<T> ofType(List<Object> docs, Class<T> type) {
        return docs.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Fails where a fabric8 object, at any depth, kept a field its type does not declare. */
    static void refuseUnknownFields(Object o, String where) {
        if (o == null) {
            return;
        }
        if (o instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                refuseUnknownFields(list.get(i), where + "[" + i + "]");
            }
            return;
        }
        if (o instanceof Map<?, ?> map) {
            map.forEach((k, v) -> refuseUnknownFields(v, where + "." + k));
            return;
        }
        Class<?> c = o.getClass();
        if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                refuseUnknownFields(invoke(rc.getAccessor(), o), where + "." + rc.getName());
            }
            return;
        }
        if (!c.getName().startsWith("io.fabric8.")) {
            return; // a String, a number, a boolean
        }
        for (Method m : c.getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                Map<?, ?> extra = (Map<?, ?>) invoke(m, o);
                if (extra != null && !extra.isEmpty()) {
                    throw new IllegalArgumentException(where + ": unknown field(s) " + extra.keySet());
                }
            } else if (m.getName().startsWith("get") && !m.getName().equals("getClass")) {
                String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
                refuseUnknownFields(invoke(m, o), where + "." + field);
            }
        }
    }

    private static Object invoke(Method m, Object o) {
        try {
            return m.invoke(o);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(m + " on " + o.getClass(), e);
        }
    }

    /** KServe's {@code ClusterServingRuntime} (serving.kserve.io/v1alpha1), the fields its API reference lists. */
    record ClusterServingRuntime(String apiVersion, String kind, ObjectMeta metadata, ServingRuntimeSpec spec) {
    }

    record ServingRuntimeSpec(
            List<SupportedModelFormat> supportedModelFormats, List<String> protocolVersions, Boolean multiModel,
            Boolean disabled, List<Container> containers, List<Volume> volumes, Map<String, String> nodeSelector,
            List<Toleration> tolerations, List<LocalObjectReference> imagePullSecrets, Map<String, String> labels,
            Map<String, String> annotations, Integer replicas, String grpcEndpoint, String grpcDataEndpoint,
            String httpDataEndpoint) {
    }

    record SupportedModelFormat(String name, String version, Boolean autoSelect, Integer priority) {
    }

    /** KServe's {@code InferenceService} (serving.kserve.io/v1beta1): the predictor's model form. */
    record InferenceService(String apiVersion, String kind, ObjectMeta metadata, InferenceServiceSpec spec) {
    }

    record InferenceServiceSpec(PredictorSpec predictor) {
    }

    record PredictorSpec(
            ModelSpec model, Integer minReplicas, Integer maxReplicas, Integer containerConcurrency, Long timeout,
            String serviceAccountName, Integer scaleTarget, String scaleMetric) {
    }

    record ModelSpec(
            ModelFormat modelFormat, String runtime, String storageUri, String protocolVersion, List<String> args,
            List<EnvVar> env, List<ContainerPort> ports, ResourceRequirements resources) {
    }

    record ModelFormat(String name, String version) {
    }
}
