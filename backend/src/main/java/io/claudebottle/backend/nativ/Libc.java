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
    static final int CLONE_NEWNET = 0x40000000;
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

    private static final MethodHandle OPEN = errnoCapturing("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = errnoCapturing("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SETNS = errnoCapturing("setns",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle MKFIFO = errnoCapturing("mkfifo",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle IOCTL = errnoCapturing("ioctl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle DUP2 = errnoCapturing("dup2",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle GETEUID = LINKER.downcallHandle(LIBC.findOrThrow("geteuid"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle SYSCALL3 = errnoCapturing("syscall",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.findOrThrow("strerror"),
            FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(
                    java.lang.foreign.MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE)),
                    ValueLayout.JAVA_INT));

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
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("geteuid", t);
        }
    }

    static int open(String path, int flags) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags);
            return check("open(" + path + ")", fd, state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("open", t);
        }
    }

    static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(arena.allocate(CALL_STATE), fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close", t);
        }
    }

    static void setns(int fd, int nstype, String what) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            check("setns(" + what + ")", (int) SETNS.invokeExact(state, fd, nstype), state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("setns", t);
        }
    }

    static void mkfifo(String path, int mode) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            check("mkfifo(" + path + ")", (int) MKFIFO.invokeExact(state, arena.allocateFrom(path), mode), state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mkfifo", t);
        }
    }

    static void dup2(int from, int to) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            check("dup2(" + from + ", " + to + ")", (int) DUP2.invokeExact(state, from, to), state);
        } catch (NativeCallException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("dup2", t);
        }
    }

    /** A descriptor of the user namespace owning the namespace behind {@code nsFd} (ioctl NS_GET_USERNS). */
    static int owningUserNamespace(int nsFd) throws NativeCallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return check("ioctl(NS_GET_USERNS)", (int) IOCTL.invokeExact(state, nsFd, NS_GET_USERNS), state);
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
            long result = (long) SYSCALL3.invokeExact(state, number, a, b, c);
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
            MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
            return message.getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
