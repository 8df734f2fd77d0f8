package io.claudebottle.sidecar;

/**
 * One service of the sidecar JVM (egress proxy, cred-proxy, git-gate...). A service is started
 * by its factory in {@link Sidecar#start} and is listening when it is returned; {@link #close()}
 * stops it. Adding a service is: a class implementing this, and a few lines in {@code Sidecar.start}.
 */
public interface SidecarService extends AutoCloseable {
    /** Short name used in {@code /ports}, {@code /health} and the audit log, e.g. {@code egress}. */
    String name();

    /** The port it actually listens on (the config may have said 0). */
    int port();

    /** False once the service can no longer serve; {@code /health} then answers 503. */
    default boolean healthy() {
        return true;
    }

    @Override
    void close();
}
