package io.claudebottle.backend.nativ;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.RunningBottle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One native bottle. Closing it — or the JVM shutting down on Ctrl-C / SIGTERM — stops the relay,
 * kills the sandbox, stops the sidecar services and removes the state directory, in that order.
 */
final class NativeBottle implements RunningBottle {

    /** Bottles of this process by state directory: `stop` of one of them must close it here, not signal itself. */
    private static final Map<Path, NativeBottle> RUNNING = new ConcurrentHashMap<>();

    private final String id;
    private final Path dir;
    private final String tool;
    private final boolean interactive;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private volatile HostSidecar sidecar;
    private volatile Sandbox sandbox;
    private volatile LoopbackRelay relay;

    NativeBottle(String id, Path dir, String tool, boolean interactive) {
        this.id = id;
        this.dir = dir;
        this.tool = tool;
        this.interactive = interactive;
        this.shutdownHook = new Thread(this::teardownOnce, "bottle-teardown-" + id);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        RUNNING.put(dir, this);
    }

    /** The bottle of this process whose state directory is {@code dir}, if it is still up. */
    static Optional<NativeBottle> running(Path dir) {
        return Optional.ofNullable(RUNNING.get(dir));
    }

    HostSidecar sidecar(HostSidecar started) {
        this.sidecar = started;
        return started;
    }

    Sandbox sandbox(Sandbox started) {
        this.sandbox = started;
        return started;
    }

    void relay(LoopbackRelay started) {
        this.relay = started;
    }

    Sandbox sandbox() {
        return sandbox;
    }

    HostSidecar sidecar() {
        return sidecar;
    }

    Path stateDirectory() {
        return dir;
    }

    @Override
    public String bottleId() {
        return id;
    }

    @Override
    public String runtime() {
        return NativeBackend.NAME + "/" + tool;
    }

    /**
     * Runs the agent. An interactive run on a terminal gives the agent a pty of its own (see
     * {@link TerminalRelay}); other interactive runs copy this process's stdin and output through
     * pipes; the rest capture the output.
     */
    @Override
    public AgentResult runAgent(Duration timeout) {
        Sandbox s = sandbox;
        if (s == null) {
            throw new IllegalStateException("bottle " + id + " has no sandbox");
        }
        if (interactive && TerminalRelay.available()) {
            return new AgentResult(runOnTerminal(s, timeout), "", "");
        }
        Process process = s.process();
        CompletableFuture<String> out;
        CompletableFuture<String> err;
        if (interactive) {
            Thread.ofVirtual().start(() -> copy(System.in, process.getOutputStream(), true));
            out = CompletableFuture.supplyAsync(() -> copy(process.getInputStream(), System.out, false));
            err = CompletableFuture.supplyAsync(() -> copy(process.getErrorStream(), System.err, false));
        } else {
            closeQuietly(process.getOutputStream());
            out = drain(process.getInputStream());
            err = drain(process.getErrorStream());
        }
        s.startCommand();
        io.claudebottle.sidecar.StartTrace.mark("native: gate opened, agent command exec'd");
        io.claudebottle.sidecar.StartTrace.threads();
        int code = await(s, timeout);
        return interactive ? new AgentResult(code, "", "") : new AgentResult(code, out.join(), err.join());
    }

    /**
     * The agent on {@code /dev/pts/N} of its sandbox, joined to this terminal. While the terminal is
     * raw, the sidecar services' diagnostics go to the bottle's {@code sidecar.log}, not across the
     * agent's screen.
     */
    private int runOnTerminal(Sandbox s, Duration timeout) {
        java.io.PrintStream stderr = System.err;
        try (Pty pty = s.openPty();
             java.io.PrintStream log = new java.io.PrintStream(
                     Files.newOutputStream(dir.resolve("sidecar.log"), java.nio.file.StandardOpenOption.CREATE,
                             java.nio.file.StandardOpenOption.APPEND), true, StandardCharsets.UTF_8)) {
            closeQuietly(s.process().getOutputStream());
            drain(s.process().getInputStream());
            CompletableFuture<String> toolErrors = drain(s.process().getErrorStream());
            int code;
            try (TerminalRelay terminal = TerminalRelay.start(pty)) {
                System.setErr(log);
                s.startCommand(java.util.OptionalInt.of(pty.number()));
                code = await(s, timeout);
                terminal.awaitOutput(Duration.ofSeconds(2));
            } finally {
                System.setErr(stderr);
            }
            String errors = toolErrors.getNow("");
            if (!errors.isBlank()) {
                stderr.print(errors); // the sandbox tool's own complaints, if any (the agent's went to the pty)
            }
            return code;
        } catch (IOException e) {
            throw new BackendException("bottle " + id + ": cannot open " + dir.resolve("sidecar.log") + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while the agent of " + id + " ran", e);
        }
    }

    private int await(Sandbox s, Duration timeout) {
        try {
            int code = s.waitFor(timeout);
            if (code == -1) {
                s.close();
                code = 137;
            }
            return code;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while the agent of " + id + " ran", e);
        }
    }

    private static String copy(InputStream from, OutputStream to, boolean closeTarget) {
        try {
            from.transferTo(to);
            to.flush();
        } catch (IOException ignored) {
            // the other side went away
        } finally {
            if (closeTarget) {
                closeQuietly(to);
            }
        }
        return "";
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, task -> Thread.ofVirtual().start(task));
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException ignored) {
            // nothing to release
        }
    }

    /** The native sidecar is a host process: runs {@code command} on the host in the bottle's state directory. */
    @Override
    public String sidecarExec(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new BackendException("cannot run " + command + " for bottle " + id + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while running " + command, e);
        }
    }

    @Override
    public void close() {
        teardownOnce();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running or ran
        }
    }

    private void teardownOnce() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        RUNNING.remove(dir);
        RuntimeException failure = null;
        if (relay != null) {
            relay.close();
        }
        if (sandbox != null) {
            try {
                sandbox.close();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (sidecar != null) {
            sidecar.close();
        }
        try {
            if (Files.exists(dir)) {
                NativeState.deleteTree(dir);
            }
        } catch (RuntimeException e) {
            failure = failure == null ? e : failure;
        }
        if (failure != null) {
            throw failure;
        }
    }
}
