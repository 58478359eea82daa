package dev.hotserve.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotserve.engine.InvalidInputException;

/** The contract every request decoder's fuzz test holds it to: a value, or a client error; nothing else. */
final class HostileBodies {

    private HostileBodies() {}

    /**
     * Runs {@code decode}; a 4xx {@link HttpError} or an {@link InvalidInputException} is the
     * typed bad-input error, anything else (a 5xx, another exception) fails the test.
     */
    static void decodesOrRefuses(Runnable decode) {
        try {
            decode.run();
        } catch (HttpError e) {
            assertThat(e.status()).as(e.getMessage()).isBetween(400, 499);
        } catch (InvalidInputException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
