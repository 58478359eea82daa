package dev.hotserve.example.spring;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.Lease;
import dev.hotserve.core.NoModelException;
import dev.hotserve.engine.InvalidInputException;
import java.util.Map;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Asks the policy for an action; the answer names the checkpoint that gave it. */
@RestController
public class ActionController {

    /** The observation, as wide as the policy's input. */
    public record Observation(float[] state) {}

    /** The deterministic action and the checkpoint (name and generation) that chose it. */
    public record Action(float[] action, String version, long generation) {}

    private final HotModel policy;

    public ActionController(@Qualifier("sac") HotModel policy) {
        this.policy = policy;
    }

    @PostMapping("/act")
    public Action act(@RequestBody Observation observation) {
        // The lease pins one loaded version for this request, however many swaps happen meanwhile.
        try (Lease lease = policy.acquire()) {
            return new Action(lease.predict(observation.state()), lease.version().name(), lease.version().generation());
        }
    }

    @ExceptionHandler(NoModelException.class)
    public ResponseEntity<Map<String, String>> noModel(NoModelException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("detail", e.getMessage()));
    }

    @ExceptionHandler({InvalidInputException.class, IllegalArgumentException.class})
    public ResponseEntity<Map<String, String>> badInput(RuntimeException e) {
        return ResponseEntity.badRequest().body(Map.of("detail", e.getMessage()));
    }
}
