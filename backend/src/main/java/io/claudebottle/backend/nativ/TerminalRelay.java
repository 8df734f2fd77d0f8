package io.claudebottle.backend.nativ;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * Joins the launcher's terminal to an agent's {@link Pty}. The terminal goes raw, so every key —
 * Ctrl-C included — reaches the agent's line discipline, which signals the agent, not this
 * launcher; bytes are copied both ways; the agent's size follows the terminal's on SIGWINCH.
 * {@link #close()} restores the terminal, and so does a shutdown hook when a signal ends the
 * launcher first.
 */
final class TerminalRelay implements AutoCloseable {

    private static final int IN = 0;
    private static final int OUT = 1;
    private static final int BUFFER = 16 * 1024;

    private final Pty pty;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment saved = arena.allocate(Libc.TERMIOS_SIZE);
    private final Thread restoreHook = new Thread(this::restoreTerminal, "bottle-terminal-restore");
    private volatile Thread output;
    private Object previousWinch;
    private volatile boolean closed;
    private boolean raw;

    private TerminalRelay(Pty pty) {
        this.pty = pty;
    }

    /** Whether this launcher runs on a terminal (stdin and stdout both), so an agent can get one. */
    static boolean available() {
        return Libc.isatty(IN) && Libc.isatty(OUT);
    }

    /** Sizes the pty like this terminal, makes the terminal raw and starts copying. */
    static TerminalRelay start(Pty pty) {
        TerminalRelay relay = new TerminalRelay(pty);
        relay.followSize();
        try {
            Libc.tcgetattr(IN, relay.saved);
            MemorySegment raw = relay.arena.allocate(Libc.TERMIOS_SIZE);
            raw.copyFrom(relay.saved);
            Libc.cfmakeraw(raw);
            Runtime.getRuntime().addShutdownHook(relay.restoreHook);
            Libc.tcsetattr(IN, raw);
            relay.raw = true;
        } catch (Libc.NativeCallException e) {
            relay.close();
            throw new SandboxException("cannot put this terminal in raw mode for the agent: " + e.getMessage(), e);
        }
        // each copier works on its own duplicate of the master (taken here, before the owner can close
        // the master), so nothing it does late can touch a reused descriptor
        int input = relay.duplicateMaster();
        int output = relay.duplicateMaster();
        relay.output = Thread.ofPlatform().daemon().name("bottle-pty-output").start(() -> relay.copyOutput(output));
        Thread.ofPlatform().daemon().name("bottle-pty-input").start(() -> relay.copyInput(input));
        return relay;
    }

    /** Copies this terminal's size to the pty now and on every SIGWINCH. */
    private void followSize() {
        resize();
        try {
            previousWinch = sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), signal -> resize());
        } catch (IllegalArgumentException unavailable) {
            // the JVM keeps SIGWINCH to itself (e.g. -Xrs): the agent keeps the starting size
        }
    }

    private void resize() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment size = call.allocate(Pty.WindowSize.BYTES);
            Libc.ioctl(OUT, Libc.TIOCGWINSZ, size, "ioctl(TIOCGWINSZ) on stdout");
            if (!closed) {
                pty.resize(Pty.WindowSize.of(size));
            }
        } catch (Libc.NativeCallException notATerminal) {
            // nothing to follow
        }
    }

    /** The agent's output to this terminal, until the agent's side of the pty is gone (EIO). */
    private void copyOutput(int master) {
        if (master < 0) {
            return;
        }
        try (Arena buffers = Arena.ofConfined()) {
            MemorySegment buffer = buffers.allocate(BUFFER);
            while (true) {
                int n = Libc.read(master, buffer);
                if (n <= 0) {
                    return;
                }
                Libc.writeFully(OUT, buffer, n);
            }
        } catch (Libc.NativeCallException endOfAgent) {
            // EIO: every process holding the agent's terminal has exited
        } finally {
            Libc.close(master);
        }
    }

    /** This terminal's keys to the agent. */
    private void copyInput(int master) {
        if (master < 0) {
            return;
        }
        try (Arena buffers = Arena.ofConfined()) {
            MemorySegment buffer = buffers.allocate(BUFFER);
            while (!closed) {
                int n = Libc.read(IN, buffer);
                if (n <= 0 || closed) {
                    return;
                }
                Libc.writeFully(master, buffer, n);
            }
        } catch (Libc.NativeCallException agentGone) {
            // the agent's terminal is gone
        } finally {
            Libc.close(master);
        }
    }

    private int duplicateMaster() {
        try {
            return Libc.dup(pty.master());
        } catch (Libc.NativeCallException e) {
            return -1;
        }
    }

    /** Waits up to {@code timeout} for the agent's last output to reach this terminal. */
    void awaitOutput(Duration timeout) throws InterruptedException {
        Thread copier = output;
        if (copier != null) {
            copier.join(timeout);
        }
    }

    private synchronized void restoreTerminal() {
        if (raw) {
            raw = false;
            try {
                Libc.tcsetattr(IN, saved);
            } catch (Libc.NativeCallException e) {
                // the terminal is gone
            }
        }
    }

    /** Restores this terminal and stops following its size; the pty is closed by its owner. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (previousWinch instanceof sun.misc.SignalHandler handler) {
            sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), handler);
        }
        restoreTerminal();
        try {
            Runtime.getRuntime().removeShutdownHook(restoreHook);
        } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNeverAdded) {
            return; // the hook runs, or never was added; it may still need the saved settings
        }
        arena.close();
    }
}
