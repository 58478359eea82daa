package dev.hotserve.server.inference;

/** What the server says of itself in the protocol's server metadata, on REST and gRPC alike. */
public final class ServerIdentity {

    public static final String NAME = "hotserve";
    public static final String VERSION = "0.1.0";

    private ServerIdentity() {}
}
