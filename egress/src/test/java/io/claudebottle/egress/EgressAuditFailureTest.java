package io.claudebottle.egress;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every decision goes to the audit log: once a line cannot be written (its tmpfs full, say), the
 * proxy refuses requests instead of deciding without a record, until the log takes lines again;
 * the first line after the gap says how many were lost.
 */
class EgressAuditFailureTest extends ProxyTestBase {

    /** A log "disk" that fails every write while {@code full} is set. */
    private static final class Disk extends OutputStream {
        final AtomicBoolean full = new AtomicBoolean();
        final ByteArrayOutputStream written = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (full.get()) throw new IOException("No space left on device");
            written.write(b, off, len);
        }

        synchronized String text() {
            return written.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void refusesRequestsWhileTheAuditLogCannotBeWrittenAndRecordsTheGap() throws Exception {
        Disk disk = new Disk();
        EgressSettings settings = EgressSettings.builder().allowAddresses(List.of("127.0.0.1"))
                .allowlist(List.of(target())).resolver(fx.resolver()).build();
        try (EgressProxy proxy = EgressProxy.start(settings, fx.ca, AuditLog.to(disk))) {
            try (Raw c = Raw.to(proxy.port())) {
                c.send("GET http://" + target() + "/before HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
            }
            disk.full.set(true);
            try (Raw c = Raw.to(proxy.port())) { // the request whose line fails first is served, its line lost
                c.send("GET http://" + target() + "/during HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
            }
            try (Raw c = Raw.to(proxy.port())) {
                c.send("GET http://" + target() + "/again HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
                Raw.Response r = c.read();
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.header("X-Bottle-Block")).isEqualTo("audit-unavailable");
            }
            try (Raw c = Raw.to(proxy.port())) { // CONNECT is refused the same way
                c.send("CONNECT " + target() + " HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(503);
            }
            assertThat(up.seen).hasSize(2);
            disk.full.set(false);
            try (Raw c = Raw.to(proxy.port())) {
                c.send("GET http://" + target() + "/after HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
            }
        }
        assertThat(up.seen).hasSize(3);
        List<String> lines = disk.text().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("\"path\":\"/before\"");
        assertThat(lines.get(1)).contains("\"service\":\"audit\"").contains("\"event\":\"resumed\"").contains("\"lost\":3");
        assertThat(lines.get(2)).contains("\"path\":\"/after\"").contains("\"decision\":\"allow\"");
    }
}
