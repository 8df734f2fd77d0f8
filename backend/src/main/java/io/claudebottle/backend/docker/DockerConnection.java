package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.transport.SSLConfig;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.claudebottle.backend.BackendException;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/** Opens the Docker Engine API over its unix socket ({@code DOCKER_HOST} overrides it). */
public final class DockerConnection {

    private DockerConnection() {
    }

    /** A client for the local engine; fails with a fix when the engine does not answer. */
    public static DockerClient open() {
        return engine().client();
    }

    /** True when a Docker engine answers; tests skip on false. */
    public static boolean available() {
        try {
            engine().close();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The local engine's API, answering; its docker-java client is made on first use. Setting that
     * client up (its configuration, Jackson 2) is CPU a start needs for the sidecar, and a start
     * does not use it (only image builds, pruning and the runtime probe do).
     */
    static Engine engine() {
        String host = dockerHost();
        URI uri = URI.create(host);
        Engine engine;
        if ("unix".equals(uri.getScheme())) {
            engine = new Engine(transport(uri, NoTls.CONFIG), () -> config(host));
        } else {
            DefaultDockerClientConfig config = config(host);
            engine = new Engine(transport(config.getDockerHost(), config.getSSLConfig()), () -> config);
        }
        try {
            engine.api().ping();
        } catch (RuntimeException e) {
            engine.close();
            throw new BackendException("Docker does not answer on " + host + " (" + e.getMessage()
                    + "); start it (e.g. `sudo dockerd &` or `systemctl start docker`) and make sure this user may"
                    + " use its socket", e);
        }
        return engine;
    }

    /** One engine connection: the Engine API at once, docker-java's client on the same transport when asked. */
    static final class Engine implements AutoCloseable {
        private final DockerHttpClient http;
        private final EngineApi api;
        private final Supplier<DefaultDockerClientConfig> config;
        private DockerClient client;

        private Engine(DockerHttpClient http, Supplier<DefaultDockerClientConfig> config) {
            this.http = http;
            this.api = new EngineApi(http);
            this.config = config;
        }

        /** An engine around a client opened elsewhere (it is closed with the engine). */
        static Engine of(DockerClient client) {
            Engine engine = new Engine(EngineApi.transportOf(client), () -> {
                throw new IllegalStateException("the client exists");
            });
            engine.client = client;
            return engine;
        }

        EngineApi api() {
            return api;
        }

        synchronized DockerClient client() {
            if (client == null) {
                client = DockerClientImpl.getInstance(config.get(), http);
            }
            return client;
        }

        @Override
        public synchronized void close() {
            closeQuietly(client != null ? client : http);
        }
    }

    static String dockerHost() {
        return dockerHost(System.getenv());
    }

    private static String dockerHost(Map<String, String> env) {
        String host = env.get("DOCKER_HOST");
        return host == null || host.isBlank() ? "unix:///var/run/docker.sock" : host;
    }

    /** True when the engine would be a unix socket (the default one or {@code DOCKER_HOST}'s) that does not exist. */
    public static boolean localSocketMissing(Map<String, String> env) {
        String host = dockerHost(env);
        return host.startsWith("unix://") && !Files.exists(Path.of(host.substring("unix://".length())));
    }

    /** docker-java's configuration: {@code DOCKER_TLS_VERIFY}, {@code DOCKER_CERT_PATH}, ~/.docker/config.json. */
    private static DefaultDockerClientConfig config(String host) {
        return DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
    }

    private static DockerHttpClient transport(URI host, SSLConfig tls) {
        return new ZerodepDockerHttpClient.Builder()
                .dockerHost(host)
                .sslConfig(tls)
                .connectionTimeout(Duration.ofSeconds(5))
                .responseTimeout(Duration.ofMinutes(30))
                .maxConnections(32)
                .build();
    }

    static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing a client that failed to connect has nothing useful to report
        }
    }

    /**
     * The TLS of a unix-socket engine, which has none. The transport sets up a TLS strategy whatever
     * the scheme, by default the JDK's default context (the trust store read, about 80 ms of a
     * launcher's start); this context is never used, and refuses if it ever were.
     */
    static final class NoTls extends SSLContext {
        static final SSLConfig CONFIG = NoTls::new;

        private NoTls() {
            super(new Refusing(), null, "none");
        }

        private static final class Refusing extends SSLContextSpi {
            private static UnsupportedOperationException refused() {
                return new UnsupportedOperationException("TLS to a unix-socket Docker engine");
            }

            @Override
            protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
                throw refused();
            }

            @Override
            protected SSLSocketFactory engineGetSocketFactory() {
                throw refused();
            }

            @Override
            protected SSLServerSocketFactory engineGetServerSocketFactory() {
                throw refused();
            }

            @Override
            protected SSLEngine engineCreateSSLEngine() {
                throw refused();
            }

            @Override
            protected SSLEngine engineCreateSSLEngine(String host, int port) {
                throw refused();
            }

            @Override
            protected SSLSessionContext engineGetServerSessionContext() {
                throw refused();
            }

            @Override
            protected SSLSessionContext engineGetClientSessionContext() {
                throw refused();
            }
        }
    }
}
