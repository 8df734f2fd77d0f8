package io.claudebottle.egress;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An event loop writes the records of a pass over its connections together, and holds each
 * response's last bytes until its record is written: however many clients are busy, a client that
 * has read a whole response finds its record in the log, and the log only ever gets whole lines.
 */
class EgressAuditBatchTest extends ProxyTestBase {
    private static final int CLIENTS = 16;
    private static final int REQUESTS_EACH = 25;

    /** Keeps every write call apart, to check that each one holds whole lines. */
    private static final class Log extends OutputStream {
        final List<byte[]> writes = new ArrayList<>();
        final ByteArrayOutputStream all = new ByteArrayOutputStream();

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes.add(java.util.Arrays.copyOfRange(b, off, off + len));
            all.write(b, off, len);
        }

        synchronized String text() {
            return all.toString(StandardCharsets.UTF_8);
        }

        synchronized List<byte[]> writes() {
            return List.copyOf(writes);
        }
    }

    @Test
    void everyResponseAClientHasReadIsAlreadyInTheLogAndWritesHoldWholeLines() throws Exception {
        Log log = new Log();
        EgressSettings settings = EgressSettings.builder().allowAddresses(List.of("127.0.0.1"))
                .allowlist(List.of(target())).resolver(fx.resolver()).build();
        try (EgressProxy proxy = EgressProxy.start(settings, fx.ca, AuditLog.to(log));
             ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
            List<Future<List<String>>> missing = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                missing.add(clients.submit(() -> {
                    List<String> notLogged = new ArrayList<>();
                    try (Raw conn = Raw.to(proxy.port())) {
                        for (int r = 0; r < REQUESTS_EACH; r++) {
                            String path = "/client" + client + "/request" + r;
                            conn.send("GET http://" + target() + path + " HTTP/1.1\r\nHost: " + target() + "\r\n\r\n");
                            assertThat(conn.read().status()).isEqualTo(200);
                            if (!log.text().contains("\"path\":\"" + path + "\"")) notLogged.add(path);
                        }
                    }
                    return notLogged;
                }));
            }
            for (Future<List<String>> f : missing) assertThat(f.get()).as("responses read before their record").isEmpty();
        }
        JsonMapper json = JsonMapper.builder().build();
        List<byte[]> writes = log.writes();
        for (byte[] w : writes) {
            String chunk = new String(w, StandardCharsets.UTF_8);
            assertThat(chunk).endsWith("\n");
            chunk.lines().forEach(line -> assertThat(json.readTree(line).get("decision").asString()).isEqualTo("allow"));
        }
        assertThat(log.text().lines()).hasSize(CLIENTS * REQUESTS_EACH);
    }
}
