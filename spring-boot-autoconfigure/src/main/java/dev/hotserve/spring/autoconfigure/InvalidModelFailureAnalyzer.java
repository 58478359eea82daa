package dev.hotserve.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns {@link InvalidModelException} into start-up's "APPLICATION FAILED TO START" report, naming the model's properties. */
class InvalidModelFailureAnalyzer extends AbstractFailureAnalyzer<InvalidModelException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidModelException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Check the properties under hotserve.models." + cause.model() + " (the files they name, and their values).", cause);
    }
}
