package io.claudebottle.backend.nativ;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Launches an agent command in fresh user, mount, PID, IPC, UTS and network namespaces, with
 * {@code no_new_privs} and no capabilities inside (see {@link SandboxSpec} for what it sees). The
 * network namespace holds only {@code lo}, up. {@link #launch} returns once the sandbox exists and
 * the command is held at a gate, so the host can bind listeners inside it
 * ({@link NetnsListeners}) before {@link Sandbox#startCommand()} lets the command run.
 */
public final class NamespaceSandbox {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    /**
     * bwrap's --die-with-parent and setpriv's --pdeathsig fire when the <em>thread</em> that
     * spawned them ends, so spawning happens on one thread that lives as long as the JVM.
     */
    private static final ExecutorService SPAWNER = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("bottle-sandbox-spawner").factory());

    private NamespaceSandbox() {
    }

    /** Launches with bubblewrap when installed, else unshare. */
    public static Sandbox launch(SandboxSpec spec) {
        return launch(spec, SandboxTool.detect());
    }

    public static Sandbox launch(SandboxSpec spec, SandboxTool tool) {
        boolean root = EffectiveUid.isRoot();
        UserNamespaces.whyDisabled(root).ifPresent(why -> {
            throw new SandboxException("cannot create a native sandbox: " + why);
        });
        HostSecrets secrets = HostSecrets.forUser(Path.of(System.getProperty("user.home")));
        secrets.conflict(spec.workDir()).ifPresent(why -> {
            throw new SandboxException("workDir refused: " + why);
        });
        spec.homeReadOnly().forEach((relative, source) -> secrets.conflict(source).ifPresent(why -> {
            throw new SandboxException("homeReadOnly " + relative + " refused: " + why);
        }));
        if (!tool.available()) {
            throw new SandboxException("sandbox tool " + tool + " is not installed (fix: apt-get install "
                    + (tool == SandboxTool.BWRAP ? "bubblewrap" : "util-linux iproute2") + ")");
        }

        removeLeftovers();
        Stage stage = Stage.create(spec);
        Process process = null;
        try {
            List<MountOp> layout = SandboxLayout.of(spec, stage.home(), stage.emptyFile(), root ? EtcMasks.forEtc() : EtcMasks.NONE);
            List<String> toolArgv = switch (tool) {
                case BWRAP -> BwrapCommand.argv(SandboxTool.executable("bwrap").orElseThrow().toString(), layout, spec);
                case UNSHARE -> UnshareScript.argv(layout, spec, stage.newRoot());
            };
            ProcessBuilder builder = new ProcessBuilder(
                    Gate.withHandshakeFds(stage.gate().toString(), stage.ready().toString(), toolArgv));
            builder.environment().clear();
            builder.environment().putAll(spec.agentEnvironment());
            builder.directory(spec.workDir().toFile());
            process = spawn(builder);
            io.claudebottle.sidecar.StartTrace.mark("native: " + tool.name().toLowerCase(java.util.Locale.ROOT) + " spawned");
            awaitReady(process, stage, root);
            return new Sandbox(tool, process, sandboxInit(process), stage);
        } catch (RuntimeException | Error e) {
            if (process != null) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                waitQuietly(process);
            }
            stage.delete();
            throw e;
        }
    }

    /**
     * Removes the stage directories that launchers killed before {@link Sandbox#close()} left in
     * the temp directory (their sandboxes died with them: bwrap --die-with-parent, setpriv
     * --pdeathsig). Directories of live launchers, and of other users, stay. Runs at every launch;
     * {@code bottle gc} can call it too.
     *
     * @return the directories removed
     */
    public static List<Path> removeLeftovers() {
        List<Path> removed = new java.util.ArrayList<>();
        try (var entries = Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), "bottle-sandbox-*")) {
            for (Path dir : entries) {
                if (Stage.launcherGone(dir)) {
                    try {
                        Stage.deleteTree(dir);
                        removed.add(dir);
                    } catch (SandboxException notOurs) {
                        // another user's, or half-removed by a concurrent gc: leave it
                    }
                }
            }
        } catch (IOException unreadableTmp) {
            // nothing to clean where nothing can be listed
        }
        return removed;
    }

    private static Process spawn(ProcessBuilder builder) {
        try {
            return SPAWNER.submit(builder::start).get();
        } catch (ExecutionException e) {
            throw new SandboxException("cannot start " + builder.command().getFirst() + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while starting the sandbox", e);
        }
    }

    /** Waits for the prelude's "ready"; a tool that dies first unblocks the read through our own write end. */
    private static void awaitReady(Process process, Stage stage, boolean root) {
        RandomAccessFile ready = stage.readyChannel();
        process.onExit().thenRun(() -> {
            try {
                ready.write("exited\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException alreadyClosed) {
                // the launch finished first
            }
        });
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return ready.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, command -> Thread.ofVirtual().name("bottle-sandbox-ready").start(command));
        String answer;
        try {
            answer = line.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new SandboxException("the sandbox did not come up within " + READY_TIMEOUT.toSeconds() + " s"
                    + stderrOf(process));
        } catch (ExecutionException e) {
            throw new SandboxException("cannot read the sandbox's ready signal from " + stage.ready(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while waiting for the sandbox", e);
        }
        if (!Gate.READY.equals(answer)) {
            waitQuietly(process);
            String stderr = stderrOf(process);
            String hint = UserNamespaces.whyDisabled(root).map(why -> " (" + why + ")").orElse("");
            throw new SandboxException("the sandbox failed to start (exit " + exitCode(process) + ")" + hint + stderr);
        }
    }

    /** The sandbox's init: the tool's one child, which lives in every new namespace. */
    private static ProcessHandle sandboxInit(Process process) {
        List<ProcessHandle> children = process.children().toList();
        if (children.size() != 1) {
            throw new SandboxException("expected the sandbox tool (pid " + process.pid() + ") to have one child, found "
                    + children.size());
        }
        return children.getFirst();
    }

    static String stderrOf(Process process) {
        if (process.isAlive()) {
            return "";
        }
        try {
            String text = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "" : ": " + text;
        } catch (IOException e) {
            return "";
        }
    }

    private static String exitCode(Process process) {
        return process.isAlive() ? "still running" : Integer.toString(process.exitValue());
    }

    static void waitQuietly(Process process) {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The launcher's private directory for one sandbox (mode 0700, outside the sandbox's view):
     * the staged home, the two handshake FIFOs and, for unshare, the mount point of the new root.
     */
    record Stage(Path dir, RandomAccessFile gateChannel, RandomAccessFile readyChannel) {

        static Stage create(SandboxSpec spec) {
            Path dir = null;
            try {
                dir = Files.createTempDirectory("bottle-sandbox-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                writeHomeFiles(Files.createDirectory(dir.resolve("home")), spec.homeFiles());
                Files.writeString(dir.resolve(LAUNCHER), launcherId(ProcessHandle.current()));
                if (spec.etcHosts() != null) {
                    Files.writeString(dir.resolve(SandboxLayout.ETC_HOSTS), spec.etcHosts(), StandardCharsets.UTF_8);
                }
                Files.createDirectory(dir.resolve("root"));
                Files.createFile(dir.resolve("empty"),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r--r--r--")));
                Libc.mkfifo(dir.resolve("gate").toString(), 0600);
                Libc.mkfifo(dir.resolve("ready").toString(), 0600);
                // read-write opens of a FIFO never block, and keep it open for both ends
                return new Stage(dir, new RandomAccessFile(dir.resolve("gate").toFile(), "rw"),
                        new RandomAccessFile(dir.resolve("ready").toFile(), "rw"));
            } catch (IOException | Libc.NativeCallException e) {
                if (dir != null) {
                    deleteTree(dir);
                }
                throw new SandboxException("cannot prepare the sandbox's stage directory under "
                        + System.getProperty("java.io.tmpdir") + ": " + e.getMessage(), e);
            }
        }

        private static final String LAUNCHER = "launcher";

        void writeHomeFiles(Map<String, byte[]> files) {
            try {
                writeHomeFiles(home(), files);
            } catch (IOException e) {
                throw new SandboxException("cannot write the sandbox's home files under " + home() + ": " + e.getMessage(), e);
            }
        }

        private static void writeHomeFiles(Path home, Map<String, byte[]> files) throws IOException {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path target = home.resolve(file.getKey());
                Files.createDirectories(target.getParent());
                Files.write(target, file.getValue());
            }
        }

        Path home() {
            return dir.resolve("home");
        }

        /** Pid and start time: a pid alone may be reused by the time anyone looks. */
        private static String launcherId(ProcessHandle process) {
            return process.pid() + " " + process.info().startInstant().map(Object::toString).orElse("?");
        }

        /** Whether the launcher that made stage {@code dir} is gone (false when unsure, or not ours to read). */
        static boolean launcherGone(Path dir) {
            try {
                String id = Files.readString(dir.resolve(LAUNCHER)).strip();
                long pid = Long.parseLong(id.substring(0, id.indexOf(' ')));
                return ProcessHandle.of(pid).map(p -> !launcherId(p).equals(id)).orElse(true);
            } catch (IOException | RuntimeException unreadable) {
                return false;
            }
        }

        Path emptyFile() {
            return dir.resolve("empty");
        }

        Path newRoot() {
            return dir.resolve("root");
        }

        Path gate() {
            return dir.resolve("gate");
        }

        Path ready() {
            return dir.resolve("ready");
        }

        void delete() {
            closeQuietly(gateChannel);
            closeQuietly(readyChannel);
            deleteTree(dir);
        }

        private static void closeQuietly(RandomAccessFile file) {
            try {
                file.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }

        static void deleteTree(Path dir) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
                    try {
                        Files.deleteIfExists(path);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (IOException | UncheckedIOException e) {
                throw new SandboxException("cannot remove the sandbox's stage directory " + dir + ": " + e.getMessage(), e);
            }
        }
    }
}
