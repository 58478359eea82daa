package dev.hotserve.spring.autoconfigure;

/** A model whose properties passed validation but that the builder still refused (a key file changed meanwhile, say). */
public class InvalidModelException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String model;

    public InvalidModelException(String model, Throwable cause) {
        super("hotserve.models." + model + " cannot be built: " + cause.getMessage(), cause);
        this.model = model;
    }

    public String model() {
        return model;
    }
}
