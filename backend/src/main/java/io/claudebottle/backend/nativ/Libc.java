package io.claudebottle.backend.nativ;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls the native sandbox needs that the JDK has no API for. Every call returns the
 * raw result; a negative result carries {@code errno} in the exception so messages can say why.
 */
@SuppressWarnings("restricted")
final class Libc {

    static final int EPERM = 1;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int O_RDWR = 2;
    static final int O_NOCTTY = 0x100;
    static final int CLONE_NEWNET = 0x40000000;
    static final int EIO = 5;
    static final int EINTR = 4;
    /** ioctl(2) requests of the pty and terminal calls (asm-generic/ioctls.h). */
    static final long TIOCGWINSZ = 0x5413;
    static final long TIOCSWINSZ = 0x5414;
    static final long TIOCGPTN = 0x80045430L;
    static final long TIOCSPTLCK = 0x40045431L;
    private static final int TCSANOW = 0;
    /** glibc's struct termios on Linux is 60 bytes; 64 leaves room. */
    static final long TERMIOS_SIZE = 64;
    /** ioctl_ns(2): a descriptor of the user namespace that owns the namespace behind a descriptor. */
    private static final long NS_GET_USERNS = 0xb701;
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_PIDFD_GETFD = 438;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    // Each handle is linked on first use, in a holder class of its own: linking one spins several
    // hidden classes the AOT cache cannot keep, and a bottle's start needs only a few of them.
    private static final class Open {
        static final MethodHandle HANDLE = errnoCapturing("open",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }
    private static final class Close {
        static final MethodHandle HANDLE = errnoCapturing("close",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }
    private static final class Setns {
        static final MethodHandle HANDLE = errnoCapturing("setns",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }
    private static final class Mkfifo {
        static final MethodHandle HANDLE = errnoCapturing("mkfifo",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }
    private static final class Ioctl {
        static final MethodHandle HANDLE = errnoCapturing("ioctl",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(2));
    }
    private static final class IoctlPointer {
        static final MethodHandle HANDLE = errnoCapturing("ioctl",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                Linker.Option.firstVariadicArg(2));
    }
    private static final class Read {
        static final MethodHandle HANDLE = errnoCapturing("read",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }
    private static final class Write {
        static final MethodHandle HANDLE = errnoCapturing("write",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }
    private static final class Isatty {
        static final MethodHandle HANDLE = LINKER.downcallHandle(LIBC.findOrThrow("isatty"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }
    private static final class Tcgetattr {
        static final MethodHandle HANDLE = errnoCapturing("tcgetattr",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }
    private static final class Tcsetattr {
        static final MethodHandle HANDLE = errnoCapturing("tcsetattr",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }
    private static final class Cfmakeraw {
        static final MethodHandle HANDLE = LINKER.downcallHandle(LIBC.findOrThrow("cfmakeraw"),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }
    private static final class Dup {
        static final MethodHandle HANDLE = errnoCapturing("dup",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }
    private static final class Dup2 {
        static final MethodHandle HANDLE = errnoCapturing("dup2",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }
    private static final class Geteuid {
        static final MethodHandle HANDLE = LINKER.downcallHandle(LIBC.findOrThrow("geteuid"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }
    private static final class Syscall3 {
        static final MethodHandle HANDLE = errnoCapturing("syscall",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
    }
    private static final class Strerror {
        static final MethodHandle HANDLE = LINKER.downcallHandle(LIBC.findOrThrow("strerror"),
                FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(
                        java.lang.foreign.MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE)),
                        ValueLayout.JAVA_INT));
    }

    private Libc() {
    }

    private static MethodHandle errnoCapturing(String name, FunctionDescriptor descriptor, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(more, 0, options, 1, more.length);
        return LINKER.downcallHandle(LIBC.findOrThrow(name), descriptor, options);
    }

    /** A failed libc call: {@code call} names it and its argument, {@code errno} says why. */
    static final class NativeCallException extends Exception {
        private final int errno;

        NativeCallException(String call, int errno) {
            super(call + ": " + strerror(errno) + " (errno " + errno + ")");
            this.errno = errno;
        }

        int errno() {
            return errno;
        }
    }

    static int geteuid() {
        try {
            return (int) Geteuid.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("geteuid", t);
        }
    }

    static int open(String path, int flags) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) Open.HANDLE.invokeExact(state, arena.allocateFrom(path), flags);
            return check("open(" + path + ")", fd, state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("open", t);
        }
    }

    static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) Close.HANDLE.invokeExact(arena.allocate(CALL_STATE), fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close", t);
        }
    }

    static void setns(int fd, int nstype, String what) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            check("setns(" + what + ")", (int) Setns.HANDLE.invokeExact(state, fd, nstype), state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("setns", t);
        }
    }

    static void mkfifo(String path, int mode) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            check("mkfifo(" + path + ")", (int) Mkfifo.HANDLE.invokeExact(state, arena.allocateFrom(path), mode), state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mkfifo", t);
        }
    }

    static int dup(int fd) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return check("dup(" + fd + ")", (int) Dup.HANDLE.invokeExact(state, fd), state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("dup", t);
        }
    }

    static void dup2(int from, int to) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            check("dup2(" + from + ", " + to + ")", (int) Dup2.HANDLE.invokeExact(state, from, to), state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("dup2", t);
        }
    }

    /** ioctl(fd, request, arg) with {@code arg} pointing at {@code buffer} (in and out). */
    static void ioctl(int fd, long request, MemorySegment buffer, String what) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            check(what, (int) IoctlPointer.HANDLE.invokeExact(state, fd, request, buffer), state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("ioctl", t);
        }
    }

    /** read(2) into {@code buffer}; 0 at end of file. Retries EINTR. */
    static int read(int fd, MemorySegment buffer) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            while (true) {
                long n = (long) Read.HANDLE.invokeExact(state, fd, buffer, buffer.byteSize());
                if (n >= 0) {
                    return (int) n;
                }
                int errno = (int) ERRNO.get(state, 0L);
                if (errno != EINTR) {
                    throw new NativeCallException("read(" + fd + ")", errno);
                }
            }
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("read", t);
        }
    }

    /** write(2) of all {@code length} bytes of {@code buffer}. Retries EINTR and short writes. */
    static void writeFully(int fd, MemorySegment buffer, long length) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long done = 0;
            while (done < length) {
                long n = (long) Write.HANDLE.invokeExact(state, fd, buffer.asSlice(done), length - done);
                if (n >= 0) {
                    done += n;
                    continue;
                }
                int errno = (int) ERRNO.get(state, 0L);
                if (errno != EINTR) {
                    throw new NativeCallException("write(" + fd + ")", errno);
                }
            }
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("write", t);
        }
    }

    static boolean isatty(int fd) {
        try {
            return (int) Isatty.HANDLE.invokeExact(fd) == 1;
        } catch (Throwable t) {
            throw new IllegalStateException("isatty", t);
        }
    }

    /** The terminal settings of {@code fd} into {@code termios} ({@link #TERMIOS_SIZE} bytes). */
    static void tcgetattr(int fd, MemorySegment termios) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            check("tcgetattr(" + fd + ")", (int) Tcgetattr.HANDLE.invokeExact(state, fd, termios), state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("tcgetattr", t);
        }
    }

    static void tcsetattr(int fd, MemorySegment termios) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            check("tcsetattr(" + fd + ")", (int) Tcsetattr.HANDLE.invokeExact(state, fd, TCSANOW, termios), state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("tcsetattr", t);
        }
    }

    /** Turns {@code termios} into raw mode: no echo, no line editing, no signals from keys, 8-bit clean. */
    static void cfmakeraw(MemorySegment termios) {
        try {
            Cfmakeraw.HANDLE.invokeExact(termios);
        } catch (Throwable t) {
            throw new IllegalStateException("cfmakeraw", t);
        }
    }

    /** A descriptor of the user namespace owning the namespace behind {@code nsFd} (ioctl NS_GET_USERNS). */
    static int owningUserNamespace(int nsFd) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return check("ioctl(NS_GET_USERNS)", (int) Ioctl.HANDLE.invokeExact(state, nsFd, NS_GET_USERNS), state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("ioctl", t);
        }
    }

    /** A file descriptor that refers to process {@code pid} (pidfd_open(2)). */
    static int pidfdOpen(long pid) throws NativeCallException {
        return (int) syscall("pidfd_open(" + pid + ")", SYS_PIDFD_OPEN, pid, 0, 0);
    }

    /** A duplicate, in this process, of file descriptor {@code targetFd} of the process behind {@code pidfd}. */
    static int pidfdGetfd(int pidfd, int targetFd) throws NativeCallException {
        return (int) syscall("pidfd_getfd(" + targetFd + ")", SYS_PIDFD_GETFD, pidfd, targetFd, 0);
    }

    private static long syscall(String what, long number, long a, long b, long c) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long result = (long) Syscall3.HANDLE.invokeExact(state, number, a, b, c);
            if (result < 0) {
                throw new NativeCallException(what, (int) ERRNO.get(state, 0L));
            }
            return result;
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(what, t);
        }
    }

    private static int check(String what, int result, MemorySegment state) throws NativeCallException {
        if (result < 0) {
            throw new NativeCallException(what, (int) ERRNO.get(state, 0L));
        }
        return result;
    }

    static String strerror(int errno) {
        try {
            MemorySegment message = (MemorySegment) Strerror.HANDLE.invokeExact(errno);
            return message.getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
