package dev.hotserve.source.s3;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * A real S3-protocol server for tests: S3Proxy over its in-memory ({@code transient-nio2})
 * backend, on a loopback port, requiring AWS signatures with the test credentials. It can be
 * stopped and started again on the same port with the same objects (the store going away and
 * coming back). Objects are written with the AWS SDK, as a trainer would.
 *
 * <p>The credentials are the ones the surefire configuration puts in the standard chain's system
 * properties ({@code aws.accessKeyId}, {@code aws.secretAccessKey}), so a source built with the
 * default chain can read this store and one given other credentials cannot.
 */
public final class S3Store implements AutoCloseable {

    public static final String BUCKET = "models";

    private final BlobStoreContext context;
    private final int port;
    private final String identity;
    private final String credential;
    private final S3Client client;
    private S3Proxy proxy;

    private S3Store(int port) {
        this.identity = System.getProperty("aws.accessKeyId", "hotserve-test");
        this.credential = System.getProperty("aws.secretAccessKey", "hotserve-test-secret");
        this.context = ContextBuilder.newBuilder("transient-nio2").credentials("unused", "unused").overrides(new Properties())
                .build(BlobStoreContext.class);
        this.port = port;
        this.client = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder().build())
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(identity, credential)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    /** A running store with the bucket {@value #BUCKET}. */
    public static S3Store start() {
        S3Store s = new S3Store(freePort());
        s.startServer();
        s.client.createBucket(b -> b.bucket(BUCKET));
        return s;
    }

    /** A store whose port is reserved in words only: nothing listens until {@link #startServer()}. */
    public static S3Store notStarted() {
        return new S3Store(freePort());
    }

    /** Starts (or restarts) listening on the same port, with the objects it had. */
    public synchronized void startServer() {
        if (proxy != null) {
            return;
        }
        S3Proxy p = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, identity, credential)
                .build();
        try {
            p.start();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not start on port " + port, e);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> "STARTED".equals(p.getState()));
        proxy = p;
    }

    /** Stops listening; open connections are closed (a transfer in flight is cut). */
    public synchronized void stopServer() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not stop", e);
        } finally {
            proxy = null;
        }
    }

    public synchronized boolean running() {
        return proxy != null;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** A client with the right credentials, for publishing. */
    public S3Client client() {
        return client;
    }

    public void createBucket() {
        client.createBucket(b -> b.bucket(BUCKET));
    }

    public HeadObjectResponse put(String key, byte[] bytes) {
        client.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(bytes));
        return client.headObject(b -> b.bucket(BUCKET).key(key));
    }

    public void put(String key, String text) {
        put(key, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public void delete(String key) {
        client.deleteObject(b -> b.bucket(BUCKET).key(key));
    }

    /** Writes {@code <prefix>LATEST} as JSON naming {@code key} (relative to the prefix), with a digest when given. */
    public void pointTo(String prefix, String key, Optional<String> sha256) {
        put(prefix + "LATEST", "{\"key\": \"" + key + "\"" + sha256.map(s -> ", \"sha256\": \"" + s + "\"").orElse("") + "}");
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stopServer();
        client.close();
        context.close();
    }
}
