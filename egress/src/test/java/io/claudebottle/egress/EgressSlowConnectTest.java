package io.claudebottle.egress;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A request body sent fast to an allowlisted host that is slow to accept the connection waits in
 * the client's socket, not in the sidecar's memory: past one scan buffer, the client is not read
 * until the upstream connection exists.
 */
class EgressSlowConnectTest extends ProxyTestBase {
    private static final long BODY_BYTES = 64L << 20;

    @Test
    void aBodySentFastToAHostSlowToConnectIsNotReadPastAScanBuffer() throws Exception {
        List<Socket> queued = new ArrayList<>();
        try (ServerSocket stalled = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // Fill its accept queue (it never accepts): then the kernel drops further SYNs and connects hang.
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket();
                try {
                    s.connect(stalled.getLocalSocketAddress(), 300);
                    queued.add(s);
                } catch (SocketTimeoutException full) {
                    s.close();
                    break;
                }
            }
            String authority = "allowed.test:" + stalled.getLocalPort();
            EgressSettings settings = EgressSettings.builder().allowAddresses(List.of("127.0.0.1"))
                    .allowlist(List.of(authority)).resolver(fx.resolver()).build();
            try (EgressProxy proxy = EgressProxy.start(settings, fx.ca, fx.audit); Raw c = Raw.to(proxy.port())) {
                c.send("POST http://" + authority + "/upload HTTP/1.1\r\nHost: " + authority + "\r\nContent-Length: " + BODY_BYTES
                        + "\r\nContent-Type: text/plain\r\n\r\n");
                CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                    byte[] chunk = new byte[64 << 10];
                    Arrays.fill(chunk, (byte) 'a');
                    try {
                        for (long n = 0; n < BODY_BYTES; n += chunk.length) c.out.write(chunk);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                assertThatThrownBy(() -> sent.get(3, TimeUnit.SECONDS))
                        .as("the proxy read the whole body while its upstream was still connecting").isInstanceOf(TimeoutException.class);
            }
        } finally {
            for (Socket s : queued) s.close();
        }
    }
}
