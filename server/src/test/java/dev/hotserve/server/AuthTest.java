package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README, "Every route, with curl" auth: health public; API key for the rest; admin key for reload, rollback, unpin, benchmark. */
class AuthTest {

    private static final String USER = "Bearer user-key-1";
    private static final String ADMIN = "Bearer admin-key-2";

    @TempDir
    Path dir;
    TestServer s;

    @BeforeEach
    void start() {
        // No model configured and no ./models/sac: the bundled demo model serves.
        s = TestServer.start(dir, Map.of("HOTSERVE_API_KEY", "user-key-1", "HOTSERVE_ADMIN_KEY", "admin-key-2"));
    }

    @AfterEach
    void stop() {
        s.close();
    }

    @Test
    void healthNeedsNoKey() {
        assertThat(s.get("/sac/health").statusCode()).isEqualTo(200);
    }

    @Test
    void aMissingKeyIs401WithABearerChallenge() {
        HttpResponse<String> r = s.post("/sac/predict", TestServer.predictBody(28, 0));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer realm=\"hotserve\""));
        assertThat(TestServer.json(r).get("detail").asText()).contains("Authorization");
    }

    @Test
    void aWrongKeyIs401AndIsNotEchoed() {
        HttpResponse<String> r = s.get("/sac/model/info", "Authorization", "Bearer wrong-key-3");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).doesNotContain("wrong-key-3").doesNotContain("user-key-1");
        assertThat(s.get("/sac/model/info", "Authorization", "Basic dXNlcjp1c2VyLWtleS0x").statusCode()).isEqualTo(401);
    }

    @Test
    void theUserKeyAndTheAdminKeyOpenUserRoutes() {
        assertThat(s.post("/sac/predict", TestServer.predictBody(28, 0), "Authorization", USER).statusCode()).isEqualTo(200);
        assertThat(s.post("/sac/predict", TestServer.predictBody(28, 0), "Authorization", ADMIN).statusCode()).isEqualTo(200);
        assertThat(s.get("/metrics", "Authorization", USER).statusCode()).isEqualTo(200);
        assertThat(s.get("/metrics").statusCode()).isEqualTo(401);
        assertThat(s.get("/sac/model/history", "Authorization", "bearer user-key-1").statusCode()).isEqualTo(200);
    }

    @Test
    void adminRoutesRefuseTheUserKeyWith403AndAcceptTheAdminKey() {
        for (String route : new String[] {"/sac/model/reload", "/sac/model/unpin", "/sac/benchmark", "/sac/model/rollback"}) {
            assertThat(s.post(route, "{}", "Authorization", USER).statusCode()).as(route).isEqualTo(403);
            assertThat(s.post(route, "{}").statusCode()).as(route).isEqualTo(401);
        }
        assertThat(s.post("/sac/model/reload", "", "Authorization", ADMIN).statusCode()).isEqualTo(200);
        assertThat(s.post("/sac/benchmark", "{\"batch_sizes\":[1],\"iterations\":3,\"warmup\":0}", "Authorization", ADMIN).statusCode())
                .isEqualTo(200);
    }
}
