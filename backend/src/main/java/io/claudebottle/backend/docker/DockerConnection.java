package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.claudebottle.backend.BackendException;

import java.time.Duration;

/** Opens the Docker Engine API over its unix socket ({@code DOCKER_HOST} overrides it). */
public final class DockerConnection {

    private DockerConnection() {
    }

    /** A client for the local engine; fails with a fix when the engine does not answer. */
    public static DockerClient open() {
        DockerClient client = connect();
        try {
            client.pingCmd().exec();
        } catch (RuntimeException e) {
            closeQuietly(client);
            throw new BackendException("Docker does not answer on " + dockerHost() + " (" + e.getMessage()
                    + "); start it (e.g. `sudo dockerd &` or `systemctl start docker`) and make sure this user may"
                    + " use its socket", e);
        }
        return client;
    }

    /** True when a Docker engine answers; tests skip on false. */
    public static boolean available() {
        try (DockerClient client = connect()) {
            client.pingCmd().exec();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    static String dockerHost() {
        String host = System.getenv("DOCKER_HOST");
        return host == null || host.isBlank() ? "unix:///var/run/docker.sock" : host;
    }

    private static DockerClient connect() {
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost()).build();
        var http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(5))
                .responseTimeout(Duration.ofMinutes(30))
                .maxConnections(32)
                .build();
        return DockerClientImpl.getInstance(config, http);
    }

    static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing a client that failed to connect has nothing useful to report
        }
    }
}
