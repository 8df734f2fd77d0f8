package io.claudebottle.backend.nativ;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A pseudo-terminal allocated in a sandbox's own {@code devpts} (bwrap's {@code --dev} and the
 * unshare script both mount a new instance), through {@code /proc/<init>/root/dev/pts/ptmx}. The
 * agent gets {@code /dev/pts/N} of its own view, as in a container; this launcher keeps the
 * master. No host pty is handed in, so the agent cannot reach the user's terminal or its session.
 */
final class Pty implements AutoCloseable {

    private final int master;
    private final int number;
    private boolean closed;

    private Pty(int master, int number) {
        this.master = master;
        this.number = number;
    }

    /** A new, unlocked pty in the devpts of the sandbox whose init is {@code initPid}. */
    static Pty openIn(long initPid) {
        String ptmx = "/proc/" + initPid + "/root/dev/pts/ptmx";
        int fd;
        try {
            fd = Libc.open(ptmx, Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC);
        } catch (Libc.NativeCallException e) {
            throw new SandboxException("cannot open " + ptmx + " for the agent's terminal (is sandbox pid " + initPid
                    + " still running?): " + e.getMessage(), e);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            value.set(ValueLayout.JAVA_INT, 0, 0);
            Libc.ioctl(fd, Libc.TIOCSPTLCK, value, "ioctl(TIOCSPTLCK) on " + ptmx);
            Libc.ioctl(fd, Libc.TIOCGPTN, value, "ioctl(TIOCGPTN) on " + ptmx);
            return new Pty(fd, value.get(ValueLayout.JAVA_INT, 0));
        } catch (Libc.NativeCallException e) {
            Libc.close(fd);
            throw new SandboxException("cannot set up the agent's terminal: " + e.getMessage(), e);
        }
    }

    /** N of {@code /dev/pts/N} inside the sandbox. */
    int number() {
        return number;
    }

    int master() {
        return master;
    }

    /** Sets the terminal size the agent sees (TIOCSWINSZ; the agent gets SIGWINCH). */
    void resize(WindowSize size) {
        try (Arena arena = Arena.ofConfined()) {
            Libc.ioctl(master, Libc.TIOCSWINSZ, size.toSegment(arena), "ioctl(TIOCSWINSZ)");
        } catch (Libc.NativeCallException e) {
            // the agent has gone: nothing left to resize
        }
    }

    /** The size the agent's terminal has now (TIOCGWINSZ). */
    WindowSize size() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(WindowSize.BYTES);
            Libc.ioctl(master, Libc.TIOCGWINSZ, buffer, "ioctl(TIOCGWINSZ)");
            return WindowSize.of(buffer);
        } catch (Libc.NativeCallException e) {
            throw new SandboxException("cannot read the agent's terminal size: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.close(master);
        }
    }

    /** struct winsize: rows, columns and (unused) pixel sizes. */
    record WindowSize(int rows, int columns, int xPixels, int yPixels) {
        static final long BYTES = 8;

        static WindowSize of(MemorySegment winsize) {
            return new WindowSize(Short.toUnsignedInt(winsize.get(ValueLayout.JAVA_SHORT, 0)),
                    Short.toUnsignedInt(winsize.get(ValueLayout.JAVA_SHORT, 2)),
                    Short.toUnsignedInt(winsize.get(ValueLayout.JAVA_SHORT, 4)),
                    Short.toUnsignedInt(winsize.get(ValueLayout.JAVA_SHORT, 6)));
        }

        MemorySegment toSegment(Arena arena) {
            MemorySegment s = arena.allocate(BYTES);
            s.set(ValueLayout.JAVA_SHORT, 0, (short) rows);
            s.set(ValueLayout.JAVA_SHORT, 2, (short) columns);
            s.set(ValueLayout.JAVA_SHORT, 4, (short) xPixels);
            s.set(ValueLayout.JAVA_SHORT, 6, (short) yPixels);
            return s;
        }
    }
}
