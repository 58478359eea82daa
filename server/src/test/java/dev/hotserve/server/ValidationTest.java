package dev.hotserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * README, "Every route, with curl": every kind of bad input is a 400 (never a 500) whose detail names the problem, and
 * the server keeps serving. One server for the class: each case is one request that changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ValidationTest {

    static final String S27 = Scenario4BatchValidationTest.row(27).substring(1, Scenario4BatchValidationTest.row(27).length() - 1);
    static final String S28 = S27 + ",0.5";

    TestServer s;

    @BeforeAll
    void start(@TempDir Path dir) {
        s = TestServer.start(dir, Map.of());
    }

    @AfterAll
    void stop() {
        s.close();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "/sac/predict | not json | malformed JSON",
        "/sac/predict | `` | empty",
        "/sac/predict | [1,2] | must be a JSON object, was an array",
        "/sac/predict | {} | missing field 'state'",
        "/sac/predict | {\"state\":\"abc\"} | state must be an array of 28 numbers, was a string",
        "/sac/predict | {\"state\":[S27]} | state has 27 values, expected 28",
        "/sac/predict | {\"state\":[S28,1]} | state has 29 values, expected 28",
        "/sac/predict | {\"state\":[1,2,3,4,5,\"x\",S27]} | state[5] is not a number (a string)",
        "/sac/predict | {\"state\":[1,2,3,NaN,S27]} | state[3] is NaN",
        "/sac/predict | {\"state\":[Infinity,S27]} | state[0] is Infinity",
        "/sac/predict | {\"state\":[-Infinity,S27]} | state[0] is -Infinity",
        "/sac/predict | {\"state\":[1e39,S27]} | state[0] is 1e39, beyond the range",
        "/sac/predict | {\"state\":[null,S27]} | state[0] is not a number (null)",
        "/sac/predict | {\"state\":[S28],\"deterministic\":\"yes\"} | deterministic must be a boolean, was a string",
        "/sac/predict | {\"state\":[S28],\"seed\":1.5} | seed must be an integer",
        "/sac/predict | {\"state\":[S28],} | malformed JSON",
        "/sac/predict | {\"state\":[S28]} {} | unexpected content after the object",
        "/sac/predict | {\"state\":[S28] | malformed JSON",
        "/sac/predict/batch | {\"states\":[[S28],[S27]]} | states[1] has 27 values, expected 28",
        "/sac/predict/batch | {\"states\":[[S28],5]} | states[1] must be an array of 28 numbers, was a number",
        "/sac/predict/batch | {\"states\":[[S28],[1,2,true,S27]]} | states[1][2] is not a number (a boolean)",
        "/sac/predict/batch | {\"states\":[]} | states is empty",
        "/sac/predict/batch | {\"states\":{}} | states must be an array of rows, was an object",
        "/sac/predict/batch | {\"state\":[S28]} | missing field 'states'",
        "/sac/benchmark | {\"iterations\":1000000000} | iterations must be 1-10000",
        "/sac/benchmark | {\"batch_sizes\":[0]} | batch_sizes[0] must be 1-8192",
        "/sac/benchmark | {\"batch_sizes\":[]} | batch_sizes is empty",
        "/sac/benchmark | {\"warmup\":\"x\"} | warmup must be an integer",
        "/sac/model/rollback | {} | missing field 'generation'",
        "/sac/model/rollback | {\"generation\":\"x\"} | generation must be an integer",
    })
    void badInputIs400NamingTheProblem(String route, String body, String expected) {
        HttpResponse<String> r = s.post(route, body.replace("S27", S27).replace("S28", S28));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(TestServer.json(r).get("detail").asText()).contains(expected);
    }

    @Test
    void afterBadInputTheServerStillAnswersAndNamesTheModel() {
        s.post("/sac/predict", "{\"state\":[NaN]}");
        HttpResponse<String> r = s.post("/sac/predict", "{\"state\":[" + S28 + "],\"deterministic\":false,\"seed\":7}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(TestServer.json(r).get("action").isNumber()).isTrue();
        assertThat(r.headers().firstValue("X-Model-Generation")).isPresent();
    }

    @Test
    void aSeedMakesStochasticActionsReproducible() {
        String body = "{\"state\":[" + S28 + "],\"deterministic\":false,\"seed\":42}";
        double a = TestServer.json(s.post("/sac/predict", body)).get("action").asDouble();
        double b = TestServer.json(s.post("/sac/predict", body)).get("action").asDouble();
        double deterministic = TestServer.json(s.post("/sac/predict", "{\"state\":[" + S28 + "]}")).get("action").asDouble();
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(deterministic);
    }

    @Test
    void unknownRoutesAre404AndWrongMethods405InJson() {
        HttpResponse<String> missing = s.get("/nope/predict");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(TestServer.json(missing).get("detail").asText()).contains("/nope/predict");
        HttpResponse<String> wrongMethod = s.get("/sac/predict");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("POST");
    }
}
