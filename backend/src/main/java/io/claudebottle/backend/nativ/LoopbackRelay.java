package io.claudebottle.backend.nativ;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Carries each connection the agent makes to a listener inside its network namespace to the
 * sidecar service's port on the host's loopback. The listeners were bound in the sandbox's
 * namespace; the connections to the sidecar are opened here, in the host's. A connection made
 * while the services are still starting waits for them. No sidecar, no connection: the agent's
 * connection is closed (fail closed) — also when the sidecar's port is taken over by some other
 * process after the sidecar closed it.
 */
final class LoopbackRelay implements AutoCloseable {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final Map<ServerSocketChannel, String> targets;
    private final Function<String, OptionalInt> sidecarPort;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private LoopbackRelay(Map<ServerSocketChannel, String> targets, Function<String, OptionalInt> sidecarPort) {
        this.targets = Map.copyOf(targets);
        this.sidecarPort = sidecarPort;
    }

    /**
     * Starts relaying: listener → 127.0.0.1:port of the sidecar service the listener is for, as
     * {@code sidecarPort} tells it (waiting while the services start; empty: no sidecar).
     */
    static LoopbackRelay start(Map<ServerSocketChannel, String> targets, Function<String, OptionalInt> sidecarPort) {
        LoopbackRelay relay = new LoopbackRelay(targets, sidecarPort);
        relay.targets.forEach((listener, service) ->
                Thread.ofVirtual().name("bottle-relay-accept-" + service).start(() -> relay.acceptLoop(listener, service)));
        return relay;
    }

    private void acceptLoop(ServerSocketChannel listener, String service) {
        while (!closed) {
            SocketChannel agent;
            try {
                agent = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread.ofVirtual().name("bottle-relay-" + service).start(() -> connect(agent, service));
        }
    }

    private void connect(SocketChannel agent, String service) {
        open.add(agent);
        SocketChannel sidecar = null;
        try {
            OptionalInt hostPort = sidecarPort.apply(service);
            if (hostPort.isEmpty() || closed) {
                return;
            }
            sidecar = SocketChannel.open(new InetSocketAddress(LOOPBACK, hostPort.getAsInt()));
            open.add(sidecar);
            SocketChannel upstream = sidecar;
            Thread back = Thread.ofVirtual().start(() -> pump(upstream, agent));
            pump(agent, upstream);
            back.join();
        } catch (IOException | InterruptedException e) {
            // sidecar gone or connection reset: the agent sees a closed connection
        } finally {
            closeQuietly(agent);
            open.remove(agent);
            if (sidecar != null) {
                closeQuietly(sidecar);
                open.remove(sidecar);
            }
        }
    }

    private static void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(32 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    @Override
    public void close() {
        closed = true;
        NetnsListeners.closeAll(List.copyOf(targets.keySet()));
        open.forEach(LoopbackRelay::closeQuietly);
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }
}
