package io.claudebottle.cli.matrix;

import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import io.claudebottle.backend.docker.SidecarApp;
import io.claudebottle.backend.nativ.SandboxTool;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Native bottles launched by an unprivileged user ({@code nobody}) from a root test run: a
 * {@link NobodyLauncher} JVM started with {@code setpriv}, on a copy of the class path that nobody
 * can read (the build's may live under /root). Rootless sandbox, listeners bound through the helper,
 * the sidecar as nobody's process; the host's view is read as root.
 */
final class NobodyBottles implements Bottles {

    static final int NOBODY = 65534;

    private final Path base;
    private final Path stateRoot;
    private final Process launcher;
    private final PrintStream requests;
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextRequest = new AtomicLong(1);
    private final CompletableFuture<JsonNode> hello = new CompletableFuture<>();

    NobodyBottles(Path temp, SandboxTool tool) throws IOException {
        base = Matrix.directory(temp.resolve("nobody"));
        Path classpath = Matrix.directory(base.resolve("classpath"));
        List<String> entries = new ArrayList<>();
        List<Path> sources = new ArrayList<>(SidecarApp.ofThisJvm("").classpath());
        sources.add(Matrix.location(NobodyLauncher.class));
        for (int i = 0; i < sources.size(); i++) {
            Path copy = classpath.resolve(i + "-" + sources.get(i).getFileName());
            linkOrCopy(sources.get(i), copy);
            entries.add(copy.toString());
        }
        Path home = owned(Matrix.directory(base.resolve("home")));
        Path work = owned(Matrix.directory(base.resolve("work")));
        stateRoot = owned(Matrix.directory(base.resolve("launcher"))).resolve("state");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--",
                java, "--enable-native-access=ALL-UNNAMED", "-cp", String.join(File.pathSeparator, entries),
                NobodyLauncher.class.getName(), stateRoot.toString(), work.toString(), tool.name())
                .directory(home.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put("HOME", home.toString());
        builder.environment().remove("XDG_RUNTIME_DIR");
        launcher = builder.start();
        requests = new PrintStream(launcher.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name("nobody-launcher-answers").start(this::readAnswers);
        try {
            String uid = hello.get(60, TimeUnit.SECONDS).path("uid").asString();
            if (!uid.startsWith(NOBODY + "\t" + NOBODY)) {
                throw new IllegalStateException("the launcher runs as uid " + uid + ", not as nobody (" + NOBODY + ")");
            }
        } catch (Exception e) {
            close();
            throw new IllegalStateException("the nobody launcher did not come up: " + e.getMessage(), e);
        }
    }

    private void readAnswers() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                JsonNode answer = LaunchJson.JSON.readTree(line);
                long req = answer.path("req").asLong();
                if (req == 0) {
                    hello.complete(answer);
                } else {
                    CompletableFuture<JsonNode> waiting = pending.remove(req);
                    if (waiting != null) {
                        waiting.complete(answer);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            hello.completeExceptionally(e);
        }
        IllegalStateException ended = new IllegalStateException("the nobody launcher ended");
        hello.completeExceptionally(ended);
        pending.values().forEach(f -> f.completeExceptionally(ended));
    }

    private JsonNode call(ObjectNode request, Duration timeout) {
        long req = nextRequest.getAndIncrement();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(req, answer);
        synchronized (requests) {
            requests.println(request.put("req", req).toString());
        }
        try {
            JsonNode reply = answer.get(timeout.toSeconds(), TimeUnit.SECONDS);
            if (reply.has("error")) {
                throw new IllegalStateException("the nobody launcher failed " + request.get("op") + ": " + reply.get("error").asString());
            }
            return reply;
        } catch (Exception e) {
            throw e instanceof IllegalStateException ise ? ise : new IllegalStateException(e);
        }
    }

    @Override
    public String serverAddress() {
        return "127.0.0.1";
    }

    @Override
    public String allowAddress() {
        return "127.0.0.1";
    }

    @Override
    public Map<String, String> hostTargets(int port) {
        return NativeView.hostTargets(port);
    }

    @Override
    public Bottle start(BottleLaunch launch) {
        ObjectNode request = LaunchJson.JSON.createObjectNode().put("op", "start");
        request.set("launch", LaunchJson.toJson(launch));
        List<String> listening = HostView.listening(launcher.pid());
        String id = call(request, Duration.ofSeconds(120)).get("id").asString();
        NativeView view = new NativeView(stateRoot, id);
        return new NativeMatrixBottle(id, view, view.sidecarTargets(launcher.pid(), listening),
                () -> HostView.listening(launcher.pid()), timeout -> {
            JsonNode r = call(LaunchJson.JSON.createObjectNode().put("op", "run").put("id", id)
                    .put("timeoutSeconds", timeout.toSeconds()), timeout.plusSeconds(30));
            return new RunningBottle.AgentResult(r.get("exit").asInt(), r.get("stdout").asString(), r.get("stderr").asString());
        }, () -> call(LaunchJson.JSON.createObjectNode().put("op", "close").put("id", id), Duration.ofSeconds(60)));
    }

    /** The identity file the git-gate reads must be the launching user's (the sidecar runs as that user). */
    Path ownedCopy(Path file) throws IOException {
        Path copy = base.resolve("launcher").resolve(file.getFileName());
        Files.copy(file, copy);
        return owned(copy);
    }

    @Override
    public void close() {
        requests.close(); // the launcher closes what it still has, then exits
        try {
            if (!launcher.waitFor(60, TimeUnit.SECONDS)) {
                launcher.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Matrix.deleteTree(base);
    }

    private static Path owned(Path path) throws IOException {
        Files.setAttribute(path, "unix:uid", NOBODY);
        Files.setAttribute(path, "unix:gid", NOBODY);
        return path;
    }

    private static void linkOrCopy(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                    target.toFile().setExecutable(true, false);
                    target.toFile().setReadable(true, false);
                    continue;
                }
                try {
                    Files.createLink(target, p); // no copy when the build's files are on the same file system
                } catch (IOException | UnsupportedOperationException e) {
                    Files.copy(p, target);
                }
                if (!target.toFile().setReadable(true, false)) {
                    throw new IOException("cannot make " + target + " readable for nobody");
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
