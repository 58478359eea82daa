package dev.hotserve.server.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.engine.InvalidInputException;
import dev.hotserve.server.inference.LimitExceededException;

/** The contract every request decoder's fuzz test holds it to: a value, or a client error; nothing else. */
final class HostileBodies {

    private HostileBodies() {}

    /**
     * Runs {@code decode}; an {@link InvalidInputException} (the one bad-body type, 400) or a
     * {@link LimitExceededException} (413) is a client error, anything else (a 5xx, another
     * exception) fails the test.
     */
    static void decodesOrRefuses(Runnable decode) {
        try {
            decode.run();
        } catch (LimitExceededException e) {
            assertThat(e.getMessage()).isNotBlank();
        } catch (InvalidInputException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
