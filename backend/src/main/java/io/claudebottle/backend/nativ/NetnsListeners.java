package io.claudebottle.backend.nativ;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Listening sockets on 127.0.0.1 <em>inside</em> a sandbox's network namespace, held by this JVM.
 * A socket keeps the namespace it was created in, so a service can serve the agent on its own
 * loopback while every connection it opens itself still leaves from the host's namespace.
 *
 * <p>Root: a fresh platform thread {@code setns()}es into {@code /proc/<pid>/ns/net}, opens and
 * binds a {@link ServerSocketChannel}, switches back and ends. An unprivileged JVM cannot do
 * that — entering a namespace owned by another user namespace needs CAP_SYS_ADMIN in the JVM's
 * own namespace, and a multithreaded process may not join a user namespace — so a single-threaded
 * helper ({@link HelperBinder}) enters the user namespace owning the sandbox's network namespace,
 * binds there, and this JVM takes the sockets over with {@code pidfd_getfd()}.
 *
 * <p>Either way the caller gets an ordinary, bound, listening, blocking {@link ServerSocketChannel}
 * (from the helper, its {@code getLocalAddress()} shows a placeholder port). Netty serves it with
 * {@code new ServerBootstrap()...channelFactory(() -> new NioServerSocketChannel(channel)).register()}
 * — {@code register()}, not {@code bind()}: the channel is bound already, and binding it again
 * throws {@link java.nio.channels.AlreadyBoundException}.
 */
public final class NetnsListeners {

    static final int BACKLOG = 128;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    static {
        // The JDK probes IPv6 support once, in whatever namespace the first socket is made:
        // make sure that is the host's, not a sandbox's.
        try (ServerSocketChannel warmUp = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            warmUp.socket();
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private NetnsListeners() {
    }

    /** How {@link #bind} gets into a sandbox's network namespace. */
    public enum Method { SETNS, HELPER }

    /** A listener bound to 127.0.0.1:{@code port} inside {@code sandbox}'s network namespace. */
    public static ServerSocketChannel bind(Sandbox sandbox, int port) {
        return bind(sandbox.pid(), port);
    }

    /** A listener bound to 127.0.0.1:{@code port} in the network namespace of process {@code pid}. */
    public static ServerSocketChannel bind(long pid, int port) {
        return bindAll(pid, List.of(port)).getFirst();
    }

    /**
     * Listeners for all {@code ports} in the network namespace of process {@code pid}, in order.
     * On failure none stays open.
     */
    public static List<ServerSocketChannel> bindAll(long pid, List<Integer> ports) {
        Method method = method();
        try {
            return bindAll(pid, ports, method);
        } catch (SandboxException e) {
            // root without CAP_SYS_ADMIN (e.g. inside a container) is refused like any user
            if (method == Method.SETNS && e.getCause() instanceof Libc.NativeCallException n && n.errno() == Libc.EPERM) {
                return bindAll(pid, ports, Method.HELPER);
            }
            throw e;
        }
    }

    static List<ServerSocketChannel> bindAll(long pid, List<Integer> ports, Method method) {
        return method == Method.SETNS ? bindBySetns(pid, ports) : HelperBinder.bind(pid, ports);
    }

    /** setns when this JVM may enter other namespaces (root), else the helper. */
    public static Method method() {
        return EffectiveUid.isRoot() ? Method.SETNS : Method.HELPER;
    }

    static List<ServerSocketChannel> bindBySetns(long pid, List<Integer> ports) {
        AtomicReference<List<ServerSocketChannel>> bound = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // The thread changes namespace, so it must be a platform thread of its own (a virtual
        // thread would move its carrier), and it ends with the call, whatever happens.
        Thread thread = Thread.ofPlatform().name("bottle-netns-bind-" + pid).unstarted(() -> {
            try {
                bound.set(inNamespaceOf(pid, ports));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while binding listeners in the netns of pid " + pid, e);
        }
        if (failure.get() instanceof SandboxException e) {
            throw e;
        }
        if (failure.get() != null) {
            throw new SandboxException("cannot bind 127.0.0.1:" + ports + " in the netns of pid " + pid + ": "
                    + failure.get().getMessage(), failure.get());
        }
        return bound.get();
    }

    private static List<ServerSocketChannel> inNamespaceOf(long pid, List<Integer> ports) throws Exception {
        Path target = Path.of("/proc", Long.toString(pid), "ns", "net");
        int home = Libc.open("/proc/thread-self/ns/net", Libc.O_RDONLY | Libc.O_CLOEXEC);
        try {
            int sandbox;
            try {
                sandbox = Libc.open(target.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
            } catch (Libc.NativeCallException e) {
                throw new SandboxException("cannot open " + target + " (is sandbox pid " + pid + " still running?): "
                        + e.getMessage(), e);
            }
            try {
                Libc.setns(sandbox, Libc.CLONE_NEWNET, target.toString());
            } finally {
                Libc.close(sandbox);
            }
            try {
                return openAll(ports);
            } finally {
                // Best effort only: the thread ends right after, so a failure here strands nothing.
                Libc.setns(home, Libc.CLONE_NEWNET, "/proc/thread-self/ns/net (back to the host)");
            }
        } finally {
            Libc.close(home);
        }
    }

    private static List<ServerSocketChannel> openAll(List<Integer> ports) throws IOException {
        List<ServerSocketChannel> channels = new java.util.ArrayList<>();
        try {
            for (int port : ports) {
                ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.INET);
                channels.add(channel);
                channel.bind(new InetSocketAddress(LOOPBACK, port), BACKLOG);
            }
            return List.copyOf(channels);
        } catch (IOException | RuntimeException e) {
            closeAll(channels);
            throw e;
        }
    }

    static void closeAll(List<ServerSocketChannel> channels) {
        for (ServerSocketChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing is all we wanted
            }
        }
    }
}
