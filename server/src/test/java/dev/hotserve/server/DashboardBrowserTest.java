package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * README, "The dashboard" in a real browser: headless Chromium against a real server on a free port, serving
 * the committed ONNX fixtures. One scenario per test, each with its own directory, server and
 * browser. Every test leaves a screenshot under {@code server/target/screenshots/}.
 */
class DashboardBrowserTest {

    static final Duration PAGE = Duration.ofSeconds(30);
    static final String CARD = "article[data-model='sac']";

    @TempDir
    Path dir;

    private static TestServer serve(Path dir, Map<String, String> env) {
        Map<String, String> e = new HashMap<>(env);
        e.putIfAbsent("HOTSERVE_MODEL_DIR", dir.toString());
        return TestServer.start(dir, e);
    }

    private static void awaitGeneration(Browser b, long generation) {
        await().atMost(PAGE).until(() -> String.valueOf(generation).equals(b.attribute(CARD, "data-generation")));
    }

    @Test
    void thePageShowsTheModelAndItsGeneration() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_2026-11-20.onnx", 1);
        try (TestServer s = serve(dir, Map.of()); Browser b = Browser.open(1280, 800)) {
            b.get(s.base.resolve("/"));
            awaitGeneration(b, 1);

            assertThat(b.driver.getCurrentUrl()).endsWith("/ui/");
            assertThat(b.find(CARD + " .m-name").getText()).isEqualTo("sac");
            assertThat(b.find(CARD + " .v-name").getText()).isEqualTo("model_2026-11-20");
            assertThat(b.find(CARD + " .v-gen").getText()).isEqualTo("generation 1");
            assertThat(b.find(CARD + " .f-engine").getText()).startsWith("onnx");
            String sha = TestServer.json(s.get("/sac/model/info")).get("sha256").asText();
            assertThat(b.find(CARD + " .f-sha").getText()).isEqualTo(sha.substring(0, 12));
            // The fixtures' mtimes lie an hour back.
            assertThat(b.find(CARD + " .f-written").getText()).isEqualTo("1 h ago");
            assertThat(b.find(CARD + " .p-source").getText()).isEqualTo("source ok");
            assertThat(b.find(CARD + " .p-pinned").isDisplayed()).isFalse();
            assertThat(b.find(CARD + " .events li[data-kind='loaded']").getText()).contains("model_2026-11-20.onnx");
            assertThat(b.find(CARD + " .c-batch").isDisplayed()).as("no batch chart while batching is off").isFalse();
            assertThat(b.find(CARD + " .a-promote").isDisplayed()).as("no promote button without a rollout").isFalse();
            b.screenshot("dashboard-1280-light");
        }
    }

    @Test
    void aNewCheckpointUpdatesTheGenerationWithoutReloadingThePage() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = serve(dir, Map.of()); Browser b = Browser.open(1280, 800)) {
            b.get(s.base.resolve("/ui/"));
            awaitGeneration(b, 1);
            b.js("window.hotserveTestMarker = 'same page';");

            Checkpoints.publish(dir, "actor_seed1.onnx", "model_2.onnx", 2);

            // No request is sent: the open page itself makes the server notice the new file.
            awaitGeneration(b, 2);
            assertThat(b.js("return window.hotserveTestMarker;")).isEqualTo("same page");
            assertThat(b.find(CARD + " .v-name").getText()).isEqualTo("model_2");
            assertThat(b.findAll(CARD + " .events li[data-kind='loaded']")).hasSize(2);
            b.screenshot("dashboard-new-checkpoint");
        }
    }

    @Test
    void aCorruptCheckpointAppearsAsARedEventWithItsReason() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        byte[] bytes = Checkpoints.read(Checkpoints.fixture("actor_seed1.onnx"));
        try (TestServer s = serve(dir, Map.of()); Browser b = Browser.open(1280, 800)) {
            b.get(s.base.resolve("/ui/"));
            awaitGeneration(b, 1);

            Checkpoints.publishBytes(dir, Arrays.copyOf(bytes, bytes.length / 3), "model_2.onnx", 2);

            await().atMost(PAGE).until(() -> !b.findAll(CARD + " .events li[data-kind='failed']").isEmpty());
            JsonNode failed = TestServer.json(s.get("/sac/model/events")).get(0);
            assertThat(failed.get("kind").asText()).isEqualTo("failed");
            WebElement event = b.find(CARD + " .events li[data-kind='failed']");
            assertThat(event.getDomAttribute("class")).contains("failure");
            assertThat(event.findElement(By.cssSelector(".reason")).getText()).isEqualTo(failed.get("error").asText());
            assertThat(event.getText()).contains("model_2.onnx");
            assertThat(isRed(event.getCssValue("border-left-color"))).as("border %s", event.getCssValue("border-left-color")).isTrue();
            assertThat(isRed(event.findElement(By.cssSelector(".reason")).getCssValue("color"))).isTrue();
            // The old version keeps serving, and the card says what was refused.
            assertThat(b.attribute(CARD, "data-generation")).isEqualTo("1");
            assertThat(b.find(CARD + " .last-error").getText()).contains("model_2.onnx");
            b.screenshot("dashboard-corrupt-checkpoint");
        }
    }

    @Test
    void checkpointNamesAndLoadErrorsCarryingMarkupShowAsTextAndRunNothing() {
        // SECURITY.md: names a checkpoint writer chooses, in the serving version and in a refusal's reason.
        String served = "model_<img src=x onerror=window.__pwned=1>.onnx";
        String refused = "model_<svg onload=window.__pwned=2>.onnx";
        Checkpoints.publish(dir, "actor_seed0.onnx", served, 1);
        byte[] bytes = Checkpoints.read(Checkpoints.fixture("actor_seed1.onnx"));
        try (TestServer s = serve(dir, Map.of()); Browser b = Browser.open(1280, 800)) {
            b.get(s.base.resolve("/ui/"));
            awaitGeneration(b, 1);
            Checkpoints.publishBytes(dir, Arrays.copyOf(bytes, bytes.length / 3), refused, 2);
            await().atMost(PAGE).until(() -> !b.findAll(CARD + " .events li[data-kind='failed']").isEmpty());

            assertThat(b.find(CARD + " .v-name").getText()).isEqualTo("model_<img src=x onerror=window.__pwned=1>");
            assertThat(b.find(CARD + " .events li[data-kind='failed']").getText()).contains(refused);
            assertThat(b.find(CARD + " .last-error").getText()).contains(refused);
            assertThat(b.js("return window.__pwned === undefined;")).as("no handler ran").isEqualTo(true);
            assertThat(b.findAll("img[src='x'], " + CARD + " svg[onload], [onerror], [onload]")).as("no element built from a name").isEmpty();
            assertThat(b.consoleErrors()).as("no CSP violation either: the page needs no inline script").isEmpty();
            b.screenshot("dashboard-markup-in-names");
        }
    }

    @Test
    void theApiExplorerRendersUnderThePagesContentSecurityPolicy() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = serve(dir, Map.of()); Browser b = Browser.open(1280, 800)) {
            b.get(s.base.resolve("/ui/api/"));
            await().atMost(PAGE).until(() -> b.findAll(".opblock").size() > 10);
            assertThat(b.consoleErrors()).as("Swagger UI needs no inline script or eval").isEmpty();
        }
    }

    @Test
    void rollbackThroughThePageChangesTheServingVersion() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = serve(dir, Map.of()); Browser b = Browser.open(1280, 800)) {
            Checkpoints.publish(dir, "actor_seed1.onnx", "model_2.onnx", 2);
            b.get(s.base.resolve("/ui/"));
            awaitGeneration(b, 2);
            assertThat(b.find(CARD + " .a-unpin").isEnabled()).isFalse();

            b.find(CARD + " .a-generation option[value='1']").click();
            b.find(CARD + " .a-rollback").click();
            await().atMost(PAGE).ignoreExceptions().until(() -> b.driver.switchTo().alert() != null);
            assertThat(b.driver.switchTo().alert().getText()).contains("generation 1").contains("model_1");
            b.driver.switchTo().alert().accept();

            // A rollback loads generation 1's file again as generation 3, pinned.
            awaitGeneration(b, 3);
            assertThat(b.find(CARD + " .v-name").getText()).isEqualTo("model_1");
            assertThat(b.find(CARD + " .p-pinned").isDisplayed()).isTrue();
            assertThat(b.find(CARD + " .a-unpin").isEnabled()).isTrue();
            await().atMost(PAGE).until(() -> b.find(CARD + " .outcome").getText().contains("generation 3"));
            JsonNode info = TestServer.json(s.get("/sac/model/info"));
            assertThat(info.get("generation").asLong()).isEqualTo(3);
            assertThat(info.get("path").asText()).endsWith("model_1.onnx");
            b.screenshot("dashboard-rolled-back");
        }
    }

    @Test
    void duringARolloutThePageShowsTheCandidateAndPromotesIt(@TempDir Path state) {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        Map<String, String> env = Map.of("HOTSERVE_ROLLOUT", "shadow", "HOTSERVE_SHADOW_SAMPLES", "100000", "HOTSERVE_STATE_DIR", state.toString());
        try (TestServer s = serve(dir, env); Browser b = Browser.open(1280, 800)) {
            b.get(s.base.resolve("/ui/"));
            awaitGeneration(b, 1);
            assertThat(b.find(CARD + " .rollout-box").isDisplayed()).isFalse();
            assertThat(b.find(CARD + " .a-promote").isDisplayed()).isFalse();

            Checkpoints.publish(dir, "actor_seed1.onnx", "model_2.onnx", 2);

            await().atMost(PAGE).until(() -> b.find(CARD + " .rollout-box").isDisplayed());
            traffic(s, 20); // shadow comparisons for the drift figures
            JsonNode candidate = TestServer.json(s.get("/sac/model/info")).at("/rollout/candidate");
            assertThat(b.find(CARD + " .r-name").getText()).isEqualTo("model_2");
            assertThat(b.find(CARD + " .p-rollout").getText()).isEqualTo("rollout: shadow");
            assertThat(b.find(CARD + " .events li[data-kind='candidate']").getText()).contains("model_2.onnx");
            assertThat(b.find(CARD + " .v-name").getText()).as("stable keeps serving").isEqualTo("model_1");
            await().atMost(PAGE).until(() -> !"–".equals(b.find(CARD + " .d-p50").getText()));
            assertThat(b.find(CARD + " .d-p99").getText()).contains("(limit 0.1)");
            b.screenshot("dashboard-rollout");

            b.find(CARD + " .a-promote").click();
            await().atMost(PAGE).ignoreExceptions().until(() -> b.driver.switchTo().alert() != null);
            b.driver.switchTo().alert().accept();

            awaitGeneration(b, candidate.get("generation").asLong());
            assertThat(b.find(CARD + " .v-name").getText()).isEqualTo("model_2");
            await().atMost(PAGE).until(() -> !b.find(CARD + " .rollout-box").isDisplayed());
            assertThat(b.find(CARD + " .p-rollout").getText()).startsWith("guard: model_1 kept");
            assertThat(b.find(CARD + " .events li[data-kind='promoted']").getDomAttribute("class")).contains("good");
        }
    }

    @Test
    void withBatchingOnThePageChartsRowsPerBatch() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = serve(dir, Map.of("HOTSERVE_MAX_BATCH_SIZE", "8")); Browser b = Browser.open(1280, 800)) {
            b.get(s.base.resolve("/ui/"));
            awaitGeneration(b, 1);
            traffic(s, 20);

            await().atMost(PAGE).until(() -> b.find(CARD + " .c-batch").isDisplayed());
            // One request at a time: each engine call holds the one request's one row. Requests go on while
            // waiting, so the latest second always has batches to show.
            await().atMost(PAGE).until(() -> {
                traffic(s, 2);
                return "1".equals(b.find(CARD + " .c-batch .now").getText());
            });
        }
    }

    @Test
    void withAuthOnThePageWithoutAKeyShowsThePromptAndNoData() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = serve(dir, Map.of("HOTSERVE_API_KEY", "user-key-1", "HOTSERVE_ADMIN_KEY", "admin-key-2"));
                Browser b = Browser.open(1280, 800)) {
            b.get(s.base.resolve("/ui/"));

            await().atMost(PAGE).until(() -> b.find("#key-prompt").isDisplayed());
            assertThat(b.find("#conn").getDomAttribute("data-state")).isEqualTo("locked");
            assertThat(b.findAll("[data-model]")).isEmpty();
            assertThat(b.find("#models").getText()).isEmpty();
            assertThat(s.server.dashboard().openStreams()).isZero();
            // And the stream itself refuses a request without the key.
            assertThat(s.get("/ui/stream").statusCode()).isEqualTo(401);
            b.screenshot("dashboard-key-prompt");
        }
    }

    @Test
    void withAuthOnAnEnteredKeyShowsTheDataAndStaysOutOfTheUrl() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = serve(dir, Map.of("HOTSERVE_API_KEY", "user-key-1", "HOTSERVE_ADMIN_KEY", "admin-key-2"));
                Browser b = Browser.open(1280, 800)) {
            b.get(s.base.resolve("/ui/"));
            await().atMost(PAGE).until(() -> b.find("#key-prompt").isDisplayed());

            b.find("#key-input").sendKeys("user-key-1");
            b.find("#key-form button[type='submit']").click();

            awaitGeneration(b, 1);
            assertThat(b.find("#key-prompt").isDisplayed()).isFalse();
            assertThat(b.driver.getCurrentUrl()).doesNotContain("user-key-1");
            assertThat(b.js("return sessionStorage.getItem('hotserve.key');")).isEqualTo("user-key-1");
            // The stream is open (an unfinished fetch has no performance entry yet), and no URL the page asked for has the key.
            assertThat(s.server.dashboard().openStreams()).isEqualTo(1);
            String urls = String.valueOf(b.js("return performance.getEntriesByType('resource').map(e => e.name).join(' ');"));
            assertThat(urls).contains("/ui/assets/app.js").doesNotContain("user-key-1");
        }
    }

    @Test
    void anActionTheKeyDoesNotAllowShowsTheErrorAndAsksForTheAdminKey() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = serve(dir, Map.of("HOTSERVE_API_KEY", "user-key-1", "HOTSERVE_ADMIN_KEY", "admin-key-2"));
                Browser b = Browser.open(1280, 800)) {
            b.get(s.base.resolve("/ui/"));
            await().atMost(PAGE).until(() -> b.find("#key-prompt").isDisplayed());
            b.find("#key-input").sendKeys("user-key-1");
            b.find("#key-form button[type='submit']").click();
            awaitGeneration(b, 1);

            b.find(CARD + " .a-reload").click();
            await().atMost(PAGE).ignoreExceptions().until(() -> b.driver.switchTo().alert() != null);
            b.driver.switchTo().alert().accept();

            await().atMost(PAGE).until(() -> b.find(CARD + " .outcome").isDisplayed());
            WebElement outcome = b.find(CARD + " .outcome");
            assertThat(outcome.getText()).contains("403").contains("admin key");
            assertThat(outcome.getDomAttribute("class")).contains("error");
            assertThat(b.find("#key-prompt").isDisplayed()).isTrue();
            assertThat(b.find("#key-why").getText()).contains("admin key");
            assertThat(b.attribute(CARD, "data-generation")).isEqualTo("1");

            // With the admin key the same action goes through.
            b.find("#key-input").sendKeys("admin-key-2");
            b.find("#key-form button[type='submit']").click();
            awaitGeneration(b, 1);
            b.find(CARD + " .a-reload").click();
            await().atMost(PAGE).ignoreExceptions().until(() -> b.driver.switchTo().alert() != null);
            b.driver.switchTo().alert().accept();
            awaitGeneration(b, 2);
            await().atMost(PAGE).until(() -> b.find(CARD + " .outcome").getText().contains("generation 2"));
        }
    }

    @Test
    void thePageLogsNoConsoleErrors() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = serve(dir, Map.of()); Browser b = Browser.open(1280, 800)) {
            b.get(s.base.resolve("/ui/"));
            awaitGeneration(b, 1);
            for (int i = 0; i < 20; i++) {
                assertThat(s.post("/sac/predict", TestServer.predictBody(28, 0.1)).statusCode()).isEqualTo(200);
            }
            Checkpoints.publish(dir, "actor_seed1.onnx", "model_2.onnx", 2);
            awaitGeneration(b, 2);
            // A tick with the requests above has reached the chart.
            await().atMost(PAGE).until(() -> !"–".equals(b.find(CARD + " .c-latency .now99").getText())
                    || !"0".equals(b.find(CARD + " .c-rate .now").getText()));

            assertThat(b.consoleErrors()).isEmpty();
        }
    }

    @Test
    void thePageWithItsChartsWeighsUnder150KB() throws Exception {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = serve(dir, Map.of()); Browser b = Browser.open(1280, 800)) {
            b.get(s.base.resolve("/ui/"));
            awaitGeneration(b, 1);

            // Every finished transfer (the page, its script and styles, uPlot), uncompressed.
            long files = ((Number) b.js("return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
                    + ".filter(e => !e.name.endsWith('/ui/stream')).reduce((n, e) => n + e.decodedBodySize, 0);")).longValue();
            long count = ((Number) b.js("return performance.getEntriesByType('resource').filter(e => !e.name.endsWith('/ui/stream')).length;"))
                    .longValue();
            // The stream never finishes: its first event (the snapshot) is what a page needs to show the model.
            long snapshot = DashboardStreamTest.firstEvent(s, "").length();
            long total = files + snapshot;
            System.out.printf("dashboard transfer: %d bytes in %d files + %d bytes of snapshot = %d bytes (%.1f KB)%n", files, count + 1, snapshot,
                    total, total / 1024.0);
            assertThat(count).as("page assets").isEqualTo(4);
            assertThat(total).isLessThan(150 * 1024);
        }
    }

    @Test
    void thePageReconnectsAfterTheServerRestarts() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        TestServer first = serve(dir, Map.of());
        int port = first.server.port();
        try (Browser b = Browser.open(1280, 800)) {
            b.get(first.base.resolve("/ui/"));
            awaitGeneration(b, 1);
            b.js("window.hotserveTestMarker = 'same page';");

            first.close();
            await().atMost(PAGE).until(() -> !"live".equals(b.find("#conn").getDomAttribute("data-state")));
            Checkpoints.publish(dir, "actor_seed1.onnx", "model_2.onnx", 2);
            try (TestServer second = serve(dir, Map.of("HOTSERVE_PORT", Integer.toString(port)))) {
                // The new process starts at generation 1 again, with the newer file.
                await().atMost(PAGE).until(() -> "model_2".equals(b.find(CARD + " .v-name").getText()));
                assertThat(second.server.port()).isEqualTo(port);
                assertThat(b.find("#conn").getDomAttribute("data-state")).isEqualTo("live");
                assertThat(b.attribute(CARD, "data-generation")).isEqualTo("1");
                assertThat(b.js("return window.hotserveTestMarker;")).isEqualTo("same page");
            }
        }
    }

    @Test
    void atPhoneWidthNothingOverflowsSideways() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_2026-11-20_long-run-name.onnx", 1);
        try (TestServer s = serve(dir, Map.of()); Browser b = Browser.open(1280, 800)) {
            b.phone(390, 844);
            b.get(s.base.resolve("/ui/"));
            awaitGeneration(b, 1);
            await().atMost(PAGE).until(() -> {
                traffic(s, 5);
                return !"0".equals(b.find(CARD + " .c-rate .now").getText());
            });

            long viewport = ((Number) b.js("return window.innerWidth;")).longValue();
            long content = ((Number) b.js("return document.documentElement.scrollWidth;")).longValue();
            assertThat(viewport).isEqualTo(390);
            assertThat(content).as("page width at a 390 px viewport").isLessThanOrEqualTo(viewport);
            b.screenshot("dashboard-phone-light");
            b.colorScheme("dark");
            b.screenshot("dashboard-phone-dark");
        }
    }

    @Test
    void inDarkModeThePageIsDark() {
        Checkpoints.publish(dir, "actor_seed0.onnx", "model_1.onnx", 1);
        try (TestServer s = serve(dir, Map.of()); Browser b = Browser.open(1280, 800)) {
            b.colorScheme("dark");
            b.get(s.base.resolve("/ui/"));
            awaitGeneration(b, 1);
            await().atMost(PAGE).until(() -> {
                traffic(s, 5);
                return !"0".equals(b.find(CARD + " .c-rate .now").getText());
            });

            assertThat(luminance(b.find("body").getCssValue("background-color"))).isLessThan(0.1);
            assertThat(luminance(b.find(CARD + " .v-name").getCssValue("color"))).isGreaterThan(0.6);
            b.screenshot("dashboard-1280-dark");
        }
    }

    /** Sends {@code n} predict requests. */
    private static void traffic(TestServer s, int n) {
        for (int i = 0; i < n; i++) {
            assertThat(s.post("/sac/predict", TestServer.predictBody(28, i / (double) n)).statusCode()).isEqualTo(200);
        }
    }

    private static double[] rgb(String css) {
        String inside = css.substring(css.indexOf('(') + 1, css.indexOf(')'));
        return Arrays.stream(inside.split(",")).limit(3).mapToDouble(x -> Double.parseDouble(x.trim()) / 255).toArray();
    }

    private static boolean isRed(String css) {
        double[] c = rgb(css);
        return c[0] > 0.6 && c[0] > c[1] * 1.8 && c[0] > c[2] * 1.8;
    }

    private static double luminance(String css) {
        double[] c = rgb(css);
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    }
}
