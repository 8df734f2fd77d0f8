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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One native bottle. Closing it — or the JVM shutting down on Ctrl-C / SIGTERM — stops the relay,
 * kills the sandbox, stops the sidecar and removes the state directory, in that order.
 */
final class NativeBottle implements RunningBottle {

    private final String id;
    private final Path dir;
    private final String tool;
    private final boolean interactive;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private volatile SidecarProcess sidecar;
    private volatile Sandbox sandbox;
    private volatile LoopbackRelay relay;

    NativeBottle(String id, Path dir, String tool, boolean interactive) {
        this.id = id;
        this.dir = dir;
        this.tool = tool;
        this.interactive = interactive;
        this.shutdownHook = new Thread(this::teardownOnce, "bottle-teardown-" + id);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    SidecarProcess sidecar(SidecarProcess started) {
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

    SidecarProcess sidecarProcess() {
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
     * Runs the agent. Interactive runs copy this terminal's stdin to the agent and its output back
     * (the agent has pipes, not a TTY: NamespaceSandbox does not hand the terminal over yet).
     */
    @Override
    public AgentResult runAgent(Duration timeout) {
        Sandbox s = sandbox;
        if (s == null) {
            throw new IllegalStateException("bottle " + id + " has no sandbox");
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
        int code;
        try {
            code = s.waitFor(timeout);
            if (code == -1) {
                s.close();
                code = 137;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while the agent of " + id + " ran", e);
        }
        return interactive ? new AgentResult(code, "", "") : new AgentResult(code, out.join(), err.join());
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
