package io.claudebottle.backend.nativ;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A running native sandbox (see {@link NamespaceSandbox}). Its command waits at the gate until
 * {@link #startCommand()}. {@link #close()} kills every process in it and removes its stage
 * directory; its namespaces disappear with the last process, unless a listener bound into them
 * with {@link NetnsListeners} is still open (close those first, or together).
 */
public final class Sandbox implements AutoCloseable {

    private final SandboxTool tool;
    private final Process process;
    private final ProcessHandle init;
    private final long pid;
    private final NamespaceSandbox.Stage stage;
    private boolean started;
    private boolean closed;

    Sandbox(SandboxTool tool, Process process, ProcessHandle init, NamespaceSandbox.Stage stage) {
        this.tool = tool;
        this.process = process;
        this.init = init;
        this.pid = init.pid();
        this.stage = stage;
    }

    public SandboxTool tool() {
        return tool;
    }

    /**
     * The host pid of the sandbox's init process; it lives in all of the sandbox's namespaces, so
     * {@code /proc/<pid>/ns/net} is the agent's network namespace.
     */
    public long pid() {
        return pid;
    }

    /** {@code /proc/<pid>/ns/net}. */
    public Path netns() {
        return Path.of("/proc", Long.toString(pid), "ns", "net");
    }

    /**
     * The tool's process: its stdin, stdout and stderr are the agent command's, and it exits
     * with the command's exit code.
     */
    public Process process() {
        return process;
    }

    /** The launcher's private directory for this sandbox (removed by {@link #close()}). */
    Path stageDir() {
        return stage.dir();
    }

    /**
     * Adds files to the command's home while the command is still held at its gate, for content
     * made while the sandbox came up (the bottle CA). The home is the stage's directory, bound in.
     */
    public synchronized void addHomeFiles(Map<String, byte[]> files) {
        if (closed || started) {
            throw new IllegalStateException("sandbox " + pid + ": home files go in before the command starts");
        }
        stage.writeHomeFiles(files);
    }

    /** Lets the held command run on the tool's pipes; call once, after binding the listeners it needs. */
    public void startCommand() {
        startCommand(java.util.OptionalInt.empty());
    }

    /**
     * A pty for the command in the sandbox's own devpts; pass its {@link Pty#number()} to
     * {@link #startCommand(java.util.OptionalInt)}. Call before starting the command.
     */
    Pty openPty() {
        return Pty.openIn(pid);
    }

    /** Lets the held command run, on {@code /dev/pts/<pts>} of the sandbox when given; call once. */
    synchronized void startCommand(java.util.OptionalInt pts) {
        if (closed) {
            throw new IllegalStateException("sandbox " + pid + " is closed");
        }
        if (started) {
            throw new IllegalStateException("sandbox " + pid + ": the command was already started");
        }
        try {
            stage.gateChannel().write(Gate.go(pts).getBytes(StandardCharsets.US_ASCII));
            started = true;
        } catch (IOException e) {
            throw new SandboxException("cannot open the gate FIFO " + stage.gate() + ": " + e.getMessage(), e);
        }
    }

    /** Waits for the command to exit; returns its exit code, or -1 when it is still running after {@code timeout}. */
    public int waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /**
     * Kills every process in the sandbox (SIGKILL to its init takes the whole PID namespace with
     * it), waits for the tool to exit and removes the stage directory. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        init.destroyForcibly(); // the handle checks the start time, so a reused pid is never hit
        NamespaceSandbox.waitQuietly(process);
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            NamespaceSandbox.waitQuietly(process);
        }
        awaitGone(init);
        stage.delete();
        if (process.isAlive() || running(init)) {
            throw new SandboxException("sandbox " + pid + " (" + tool + ", pid " + process.pid()
                    + ") survived SIGKILL; kill it by hand: kill -9 " + pid + " " + process.pid());
        }
    }

    /**
     * Whether {@code pid} still runs. A zombie does not count: it holds no namespace and no
     * memory. (bwrap exits without reaping the sandbox's init, so the host's init reaps it, which
     * on some machines takes a second or two.)
     */
    static boolean running(ProcessHandle process) {
        return process.isAlive() && running(process.pid());
    }

    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException gone) {
            return false;
        }
    }

    private static void awaitGone(ProcessHandle process) {
        for (int i = 0; i < 200 && running(process); i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
