package io.claudebottle.credproxy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Kept-alive upstream connections are reused, and a reused one that dies unanswered is retried once. */
class ConnectionReuseTest {
    static final TestCa CA = TestCa.mint("reuse test CA");

    final AtomicInteger connections = new AtomicInteger();
    final List<String> heads = new CopyOnWriteArrayList<>();
    SSLServerSocket server;
    CredProxy proxy;

    /**
     * A bare keep-alive HTTPS upstream: answers every request head with "ok", except that the
     * {@code dropNth} request on a connection is met with a close, as an upstream timing out an
     * idle connection just as a request arrives would.
     */
    void startUpstream(int dropNth) throws IOException {
        server = (SSLServerSocket) CA.serverContext("127.0.0.1").getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    SSLSocket socket = (SSLSocket) server.accept();
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> serve(socket, dropNth));
                } catch (IOException e) {
                    return;
                }
            }
        });
        proxy = CredProxy.start(new CredProxySettings("127.0.0.1", 0,
                List.of(Route.of("/r/", "https://127.0.0.1:" + server.getLocalPort(), "Bearer", "T", null)),
                Optional.empty(), List.of(CA.certificate()), Map.of("T", "tok_reuse_123456")::get, e -> {}));
    }

    private void serve(SSLSocket socket, int dropNth) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            for (int n = 1; ; n++) {
                String head = readHead(in);
                if (head == null || n == dropNth) return;
                heads.add(head);
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException e) {
            // the cred-proxy closed the connection
        }
    }

    /** Bytes up to the blank line that ends a bodiless request head; null at end of stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            if (head.size() >= 4 && head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                return head.toString(StandardCharsets.US_ASCII);
            }
        }
        return null;
    }

    @AfterEach
    void stop() throws IOException {
        if (proxy != null) proxy.close();
        if (server != null) server.close();
    }

    HttpResponse<String> get(String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void sequentialRequestsShareOneUpstreamConnection() throws Exception {
        startUpstream(0);
        for (int i = 0; i < 3; i++) assertThat(get("/r/" + i).body()).isEqualTo("ok");
        assertThat(heads).hasSize(3);
        assertThat(connections).hasValue(1);
        assertThat(heads).allSatisfy(head -> assertThat(head).contains("authorization: Bearer tok_reuse_123456"));
    }

    @Test
    void aReusedConnectionClosedBeforeAnsweringIsRetriedOnANewOne() throws Exception {
        startUpstream(2);
        assertThat(get("/r/first").statusCode()).isEqualTo(200);
        HttpResponse<String> second = get("/r/second");
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        assertThat(connections).hasValue(2);
        assertThat(heads).hasSize(2);
        assertThat(heads.get(1)).startsWith("GET /second ").contains("authorization: Bearer tok_reuse_123456");
    }
}
