package io.claudebottle.cli.demo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A listener on every address of this machine that the agent must never reach (DESIGN §3.1: not
 * the host). It counts who connected; any connection at all means the bottle leaked.
 */
public final class DemoCanary implements AutoCloseable {
    private final ServerSocket server;
    private final List<String> hits = new CopyOnWriteArrayList<>();

    private DemoCanary(ServerSocket server) {
        this.server = server;
    }

    public static DemoCanary start() throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(0));
        DemoCanary canary = new DemoCanary(server);
        Thread.ofVirtual().name("demo-canary").start(canary::accept);
        return canary;
    }

    private void accept() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                hits.add(s.getRemoteSocketAddress() + " -> " + s.getLocalSocketAddress());
            } catch (IOException e) {
                // closed
            }
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Every connection that reached the canary (the remote and the local address). */
    public List<String> hits() {
        return List.copyOf(hits);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
