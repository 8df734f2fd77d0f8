package io.claudebottle.backend.nativ;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.docker.SidecarApp;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One bottle's sidecar as a host JVM process ({@link NativeSidecarMain}) listening on host
 * loopback ports chosen by the kernel. Tokens reach it only through its environment.
 */
final class SidecarProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Process process;
    private final Map<String, Integer> ports;

    private SidecarProcess(Process process, Map<String, Integer> ports) {
        this.process = process;
        this.ports = Map.copyOf(ports);
    }

    /**
     * Starts the sidecar on {@code config} and returns once {@code /health} answers 200.
     *
     * @param hostsFile when present, the sidecar resolves names from this file only (test upstreams)
     */
    static SidecarProcess start(Path config, Map<String, String> secrets, Path log, Path hostsFile) {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        argv.add("--enable-native-access=ALL-UNNAMED");
        argv.add("-XX:+UseSerialGC");
        argv.add("-XX:TieredStopAtLevel=1");
        argv.add("-Xshare:auto");
        if (hostsFile != null) {
            argv.add("-Djdk.net.hosts.file=" + hostsFile);
        }
        argv.add("-cp");
        argv.add(String.join(File.pathSeparator,
                SidecarApp.ofThisJvm("").classpath().stream().map(Path::toString).toList()));
        argv.add(NativeSidecarMain.class.getName());
        argv.add(config.toString());
        ProcessBuilder builder = new ProcessBuilder(argv).redirectError(log.toFile());
        Map<String, String> env = builder.environment();
        Map<String, String> keep = new LinkedHashMap<>();
        for (String name : List.of("PATH", "LANG", "LC_ALL", "TZ")) {
            if (env.containsKey(name)) {
                keep.put(name, env.get(name));
            }
        }
        env.clear();
        env.putAll(keep);
        env.put("HOME", config.getParent().toString());
        env.putAll(secrets); // the environment only: never argv, never a file
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new BackendException("cannot start the native sidecar (" + argv.getFirst() + "): " + e.getMessage(), e);
        }
        try {
            Map<String, Integer> ports = readPorts(process, log);
            SidecarProcess sidecar = new SidecarProcess(process, ports);
            sidecar.awaitHealthy(log);
            return sidecar;
        } catch (RuntimeException e) {
            stop(process);
            throw e;
        }
    }

    private static Map<String, Integer> readPorts(Process process, Path log) {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                return null;
            }
        }, task -> Thread.ofVirtual().start(task));
        String ready;
        try {
            ready = line.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new BackendException("the native sidecar did not report its ports within " + READY_TIMEOUT.toSeconds()
                    + " s; its log: " + tail(log));
        } catch (ExecutionException e) {
            throw new BackendException("cannot read the native sidecar's ports: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while starting the native sidecar", e);
        }
        if (ready == null) {
            NamespaceSandbox.waitQuietly(process);
            throw new BackendException("the native sidecar exited before it was ready (exit "
                    + (process.isAlive() ? "?" : process.exitValue()) + "): " + tail(log));
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        JsonNode node = JSON.readTree(ready).path("ports");
        node.properties().forEach(e -> ports.put(e.getKey(), e.getValue().asInt()));
        if (!ports.containsKey("supervise") || !ports.containsKey("egress")) {
            throw new BackendException("the native sidecar reported no egress/supervise port: " + ready);
        }
        return ports;
    }

    private void awaitHealthy(Path log) {
        HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(Duration.ofSeconds(2)).build();
        URI health = URI.create("http://127.0.0.1:" + ports.get("supervise") + "/health");
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        String last = "no answer";
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new BackendException("the native sidecar exited (" + process.exitValue() + ") before it was healthy: "
                        + tail(log));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + r.statusCode() + " " + r.body().strip();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackendException("interrupted while waiting for the native sidecar", e);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackendException("interrupted while waiting for the native sidecar", e);
            }
        }
        throw new BackendException("the native sidecar was not healthy within " + READY_TIMEOUT.toSeconds() + " s ("
                + last + "): " + tail(log));
    }

    Map<String, Integer> ports() {
        return ports;
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        stop(process);
    }

    /** SIGTERM (the sidecar closes its services and audit log), SIGKILL after 5 s. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }
}
