package dev.hotserve.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a scenario script of {@code server/src/test/python/triton/} with Debian's python and
 * Triton's own client, unmodified, from {@code ../shared/clients/tritonclient} beside the
 * repository (where the CI clones it). The script prints one JSON object: what it sent and what
 * came back.
 */
final class TritonScripts {

    static final Path PYTHON = Path.of("/usr/bin/python3");

    private TritonScripts() {}

    /** The repository's root: the fixtures' property names {@code <root>/fixtures/sac}. */
    private static Path root() {
        return Checkpoints.fixture("actor_seed0.onnx").getParent().getParent().getParent();
    }

    static Path clientLibrary() {
        return root().resolveSibling("shared").resolve("clients").resolve("tritonclient");
    }

    /** The repository's README.md. */
    static Path readme() {
        return root().resolve("README.md");
    }

    /** Runs python on a script of the caller's ({@code file}), with Triton's client importable. */
    static Result runFile(Path scratch, Path file, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), file.toString()));
        cmd.addAll(List.of(args));
        return exec(scratch, cmd);
    }

    private static Path script(String name) {
        return root().resolve("server/src/test/python/triton").resolve(name);
    }

    /**
     * Skips the calling test class where the client or its Debian packages are missing, except
     * under CI ({@code CI=true}), where that fails.
     */
    static void requireClient(Path scratch) throws Exception {
        require(scratch, "import numpy, geventhttpclient, rapidjson, tritonclient.http");
    }

    /** As {@link #requireClient}, for the HTTP and the gRPC client both. */
    static void requireHttpAndGrpcClients(Path scratch) throws Exception {
        require(scratch, "import numpy, geventhttpclient, rapidjson, tritonclient.http, grpc, google.protobuf, tritonclient.grpc");
    }

    private static void require(Path scratch, String imports) throws Exception {
        String missing = null;
        if (!Files.isExecutable(PYTHON)) {
            missing = PYTHON + " is missing";
        } else if (!Files.isDirectory(clientLibrary().resolve("tritonclient"))) {
            missing = "Triton's client is not at " + clientLibrary();
        } else {
            Result r = exec(scratch, List.of(PYTHON.toString(), "-c", imports));
            if (r.exit() != 0) {
                missing = "Triton's client does not import (" + r.stderr().strip() + "); apt-get install -y python3-numpy"
                        + " python3-geventhttpclient python3-rapidjson python3-grpcio python3-protobuf python3-packaging";
            }
        }
        if (missing != null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(missing);
            }
            Assumptions.abort(missing);
        }
    }

    record Result(int exit, String stdout, String stderr) {}

    /** Runs {@code script} against {@code server} with {@code args}; its JSON, or an AssertionError with its output. */
    static JsonNode run(Path scratch, TestServer server, String script, String... args) throws Exception {
        return runAt(scratch, "127.0.0.1:" + server.server.port(), script, args);
    }

    /** Runs {@code script} against {@code address} (host:port: the gRPC listener's, say) with {@code args}. */
    static JsonNode runAt(Path scratch, String address, String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script(script).toString(), address));
        cmd.addAll(List.of(args));
        Result r = exec(scratch, cmd);
        if (r.exit() != 0) {
            throw new AssertionError(script + " exited with " + r.exit() + ":\n" + r.stderr() + r.stdout());
        }
        try {
            return TestServer.JSON.readTree(r.stdout());
        } catch (IOException e) {
            throw new AssertionError(script + " printed no JSON:\n" + r.stdout() + r.stderr(), e);
        }
    }

    private static Result exec(Path scratch, List<String> cmd) throws Exception {
        // Both streams into files: a pipe not read while the process runs could fill and block it.
        Path out = Files.createTempFile(scratch, "stdout", ".txt");
        Path err = Files.createTempFile(scratch, "stderr", ".txt");
        ProcessBuilder b = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        b.environment().put("PYTHONPATH", clientLibrary().toString());
        b.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in the source tree
        Process p = b.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out after 120 s: " + cmd);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
