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
import java.util.OptionalInt;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One native bottle. Closing it — or the JVM shutting down on Ctrl-C / SIGTERM — stops the relay,
 * kills the sandbox, stops the sidecar services and removes the state directory, in that order.
 */
final class NativeBottle implements RunningBottle {

    /** Bottles of this process by state directory: `stop` of one of them must close it here, not signal itself. */
    private static final Map<Path, NativeBottle> RUNNING = new ConcurrentHashMap<>();
    /** How long a connection of the agent waits for the sidecar services to listen. */
    private static final Duration SIDECAR_START_LIMIT = Duration.ofMinutes(2);

    private final String id;
    private final Path dir;
    private final String tool;
    private final boolean interactive;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private volatile CompletableFuture<HostSidecar> sidecar;
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

    /**
     * The sidecar services, still starting. If they fail, the agent is stopped and
     * {@link #runAgent} reports why; if they come up after the bottle was closed, they are closed.
     */
    void sidecarStarting(CompletableFuture<HostSidecar> starting) {
        this.sidecar = starting; // complete before the action below runs: runAgent sees the failure
        starting.whenComplete((started, failure) -> {
            if (failure != null) {
                Sandbox s = sandbox;
                if (s != null) {
                    s.close();
                }
            } else if (closed.get()) {
                started.close();
            }
        });
    }

    /**
     * The host port of the sidecar's {@code service}, once the services listen; empty when they
     * failed to start or are closed (the relay then closes the agent's connection).
     */
    OptionalInt sidecarPort(String service) {
        CompletableFuture<HostSidecar> starting = sidecar;
        if (starting == null) {
            return OptionalInt.empty();
        }
        try {
            HostSidecar running = starting.get(SIDECAR_START_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            Integer port = running.ports().get(service);
            return running.open() && port != null ? OptionalInt.of(port) : OptionalInt.empty();
        } catch (ExecutionException | TimeoutException | CancellationException e) {
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
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

    /**
     * Closes the sidecar services, waiting for them to finish starting first: one still writing
     * into the state directory would leave files behind once it is removed. One that takes longer
     * than the limit is closed when it is up (see {@link #sidecarStarting}).
     */
    private void closeSidecar() {
        CompletableFuture<HostSidecar> starting = sidecar;
        if (starting == null) {
            return;
        }
        try {
            starting.get(SIDECAR_START_LIMIT.toMillis(), TimeUnit.MILLISECONDS).close();
        } catch (ExecutionException | CancellationException | TimeoutException e) {
            // never started, or closed by its own completion
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The sidecar services, waiting for them to start. */
    HostSidecar sidecar() {
        return sidecar.join();
    }

    private void failIfSidecarFailed() {
        CompletableFuture<HostSidecar> starting = sidecar;
        if (starting != null && starting.state() == Future.State.FAILED) {
            Throwable cause = starting.exceptionNow();
            throw cause instanceof BackendException b ? b
                    : new BackendException("the sidecar of " + id + " did not start: " + cause.getMessage(), cause);
        }
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
        failIfSidecarFailed();
        if (interactive && TerminalRelay.available()) {
            int code = runOnTerminal(s, timeout);
            failIfSidecarFailed();
            return new AgentResult(code, "", "");
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
        failIfSidecarFailed();
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
        closeSidecar();
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
