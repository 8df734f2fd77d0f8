package io.claudebottle.sidecar;

/**
 * One service of the sidecar JVM (egress proxy, cred-proxy, git-gate...). A service is set up by
 * its factory in {@link Sidecar#start} and has its port bound when it is returned, possibly while
 * the DLP engine is still being built; it serves once {@link #open()} is called (the engine is in
 * place then); {@link #close()} stops it, opened or not. Adding a service is: a class implementing
 * this, and a few lines in {@code Sidecar.start}.
 */
public interface SidecarService extends AutoCloseable {
    /** Short name used in {@code /ports}, {@code /health} and the audit log, e.g. {@code egress}. */
    String name();

    /** The port it actually listens on (the config may have said 0). */
    int port();

    /**
     * Starts serving: the sidecar calls this once the CA and the DLP engine are in place. A
     * service whose requests cannot touch the engine may already serve when its factory returns.
     */
    default void open() {
    }

    /** False once the service can no longer serve; {@code /health} then answers 503. */
    default boolean healthy() {
        return true;
    }

    @Override
    void close();
}
