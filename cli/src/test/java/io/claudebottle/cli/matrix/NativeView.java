package io.claudebottle.cli.matrix;

import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The host's view of one native bottle, from its state directory alone ({@code bottle.json} names the
 * sidecar and sandbox processes as {@code "<pid> <start instant>"}), whoever launched it.
 */
final class NativeView {

    private final String id;
    private final Path dir;

    NativeView(Path stateRoot, String id) {
        this.id = id;
        this.dir = stateRoot.resolve(id);
    }

    /** The host's own addresses a native agent must not reach: loopback and eth0's. */
    static Map<String, String> hostTargets(int port) {
        Map<String, String> targets = new LinkedHashMap<>();
        targets.put("host-loopback", "127.0.0.1:" + port);
        HostView.ipv4Addresses().forEach((nic, ip) -> targets.put("host-" + nic, ip + ":" + port));
        return targets;
    }

    private JsonNode state() {
        try {
            return LaunchJson.JSON.readTree(Files.readString(dir.resolve("bottle.json")));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + dir.resolve("bottle.json") + ": " + e.getMessage(), e);
        }
    }

    private long pid(String role) {
        String recorded = state().path(role).asString("");
        return recorded.isBlank() ? -1 : Long.parseLong(recorded.substring(0, recorded.indexOf(' ')));
    }

    /**
     * The TCP listeners {@code launcher} opened while it started this bottle: the bottle's sidecar
     * services on the host's loopback (the native sidecar runs in its launcher), as another bottle's
     * agent would dial them.
     */
    Map<String, String> sidecarTargets(long launcher, List<String> listeningBefore) {
        awaitSidecarStarted();
        Map<String, String> targets = new LinkedHashMap<>();
        for (String address : HostView.listening(launcher)) {
            if (!listeningBefore.contains(address)) {
                targets.put("other-sidecar-" + address.replaceAll("[^0-9]", "-"), address);
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalStateException("the launcher (pid " + launcher + ") opened no listener for its bottle's sidecar");
        }
        return targets;
    }

    /**
     * Waits for the sidecar's "started" audit event: a native bottle's agent may run before its
     * sidecar services listen (the relay holds its connections meanwhile).
     */
    private void awaitSidecarStarted() {
        Path audit = dir.resolve("audit.jsonl");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                if (Files.exists(audit) && Files.readString(audit).contains("\"event\":\"started\"")) {
                    return;
                }
                Thread.sleep(20);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + audit + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the sidecar of " + id, e);
            }
        }
        throw new IllegalStateException("the sidecar of " + id + " did not start within 60 s (no \"started\" event in " + audit + ")");
    }

    /** The launcher-side files of the bottle and the sidecar's argv: none may hold a token. */
    Map<String, String> launcherSideViews() {
        Map<String, String> views = new LinkedHashMap<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    try {
                        if (attrs.isRegularFile()) views.put(f.toString(), Files.readString(f, StandardCharsets.ISO_8859_1));
                    } catch (NoSuchFileException gone) {
                        // a transient file (JGit's .probe-* files in the mirror) deleted between listing and reading
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + dir + ": " + e.getMessage(), e);
        }
        for (String role : List.of("launcher", "sidecar")) {
            long pid = pid(role);
            views.put("argv of the " + role + " (pid " + pid + ")", HostView.commandLines().stream()
                    .filter(l -> l.startsWith(pid + ": ")).findFirst().orElse(""));
        }
        return views;
    }

    /** A sidecar process of its own holds the tokens in its environment; one inside the launcher holds them in memory only. */
    Map<String, String> sidecarEnvironment() {
        long sidecar = pid("sidecar");
        return sidecar == pid("launcher") ? Map.of()
                : Map.of("environ of the sidecar (pid " + sidecar + ")", HostView.environ(sidecar));
    }

    private static Optional<ProcessHandle> same(long pid, Optional<Instant> start) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> p.info().startInstant().equals(start))
                .filter(p -> !zombie(pid));
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException gone) {
            return true;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<String> audit() {
        try {
            return Files.readAllLines(dir.resolve("audit.jsonl"));
        } catch (IOException e) {
            return List.of("(no audit log: " + e + ")");
        }
    }

    /** Call while the bottle runs: afterwards lists its processes, directory, network namespace and mounts still there. */
    Bottles.Remains remains() {
        Map<Long, Optional<Instant>> processes = new LinkedHashMap<>();
        String netns = "";
        for (String role : List.of("sidecar", "sandbox")) {
            long pid = pid(role);
            if (pid > 0 && pid != pid("launcher")) { // a launcher outlives its bottles
                processes.put(pid, ProcessHandle.of(pid).flatMap(p -> p.info().startInstant()));
                if (role.equals("sandbox")) {
                    try {
                        netns = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")).toString();
                    } catch (IOException gone) {
                        // the sandbox already ended; its processes are checked below
                    }
                }
            }
        }
        String sandboxNetns = netns;
        return () -> {
            List<String> left = new ArrayList<>();
            processes.forEach((pid, start) -> {
                // a killed child may need a moment to be reaped by its parent
                for (int i = 0; i < 50 && same(pid, start).isPresent(); i++) {
                    sleep(100);
                }
                same(pid, start).ifPresent(p -> left.add("process " + pid + " " + p.info().commandLine().orElse("")));
            });
            HostView.commandLines().stream().filter(l -> l.contains(id) || l.contains(dir.toString()))
                    .filter(l -> !l.startsWith(ProcessHandle.current().pid() + ": ")).forEach(l -> left.add("process " + l));
            if (Files.exists(dir)) {
                left.add("state directory " + dir);
            }
            if (!sandboxNetns.isEmpty()) {
                try (var procs = Files.list(Path.of("/proc"))) {
                    for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                        try {
                            if (Files.readSymbolicLink(p.resolve("ns/net")).toString().equals(sandboxNetns)) {
                                left.add("process " + p.getFileName() + " in the agent's network namespace " + sandboxNetns);
                            }
                        } catch (IOException ended) {
                            // gone, or not ours to read
                        }
                    }
                } catch (IOException e) {
                    left.add("cannot list /proc: " + e);
                }
            }
            HostView.mounts().stream().filter(m -> m.contains(id) || m.contains(dir.toString()))
                    .forEach(m -> left.add("mount " + m));
            return left;
        };
    }
}
