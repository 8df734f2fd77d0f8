package io.claudebottle.cli.matrix;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.claudebottle.cli.demo.DemoCa;
import io.claudebottle.cli.demo.DemoGitUpstream;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The host-side servers of one matrix run: an HTTPS upstream (allowlisted, and off the allowlist
 * under another name) that records what reached it, a listener on every host address that the agent
 * must never reach, and an SSH git upstream (the demo's MINA sshd + JGit server).
 */
final class MatrixServers implements AutoCloseable {

    final DemoCa ca = DemoCa.mint();
    /** {@code METHOD /path auth=token|none|<other>} per request that reached the upstream. */
    final List<String> received = new CopyOnWriteArrayList<>();
    /** Peers that connected to the host listener. */
    final List<String> hostListenerPeers = new CopyOnWriteArrayList<>();
    final HttpsServer upstream;
    final ServerSocket hostListener;
    final DemoGitUpstream git;

    MatrixServers(String address, Path gitDir, String token) throws Exception {
        upstream = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 16);
        upstream.setHttpsConfigurator(new HttpsConfigurator(ca.serverContext(List.of(AgentScript.UPSTREAM, AgentScript.OFF_LIST))));
        upstream.createContext("/", x -> {
            String auth = x.getRequestHeaders().getFirst("Authorization");
            String seen = auth == null ? "none" : auth.equals("Bearer " + token) ? "token" : auth;
            received.add(x.getRequestMethod() + " " + x.getRequestURI().getPath() + " auth=" + seen);
            x.getRequestBody().readAllBytes();
            byte[] body = "upstream-hello".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        upstream.start();
        hostListener = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"));
        Thread.ofVirtual().start(() -> {
            while (!hostListener.isClosed()) {
                try (Socket s = hostListener.accept()) {
                    hostListenerPeers.add(s.getRemoteSocketAddress().toString());
                    s.getOutputStream().write("HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nhost".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException closed) {
                    // closed at the end of the run
                }
            }
        });
        git = DemoGitUpstream.start(gitDir, address);
    }

    /** Waits until the listener has accepted {@code count} connections (the host's own), then forgets them. */
    void awaitControlConnections(long count) throws InterruptedException {
        for (int i = 0; i < 100 && hostListenerPeers.size() < count; i++) {
            Thread.sleep(50);
        }
        if (hostListenerPeers.size() != count) {
            throw new IllegalStateException("the host listener saw " + hostListenerPeers + ", expected " + count + " control connections");
        }
        hostListenerPeers.clear();
    }

    int upstreamPort() {
        return upstream.getAddress().getPort();
    }

    @Override
    public void close() throws IOException {
        upstream.stop(0);
        hostListener.close();
        git.close();
    }
}
