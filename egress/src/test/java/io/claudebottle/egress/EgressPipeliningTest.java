package io.claudebottle.egress;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * HTTP/1.1 pipelining: requests sent ahead of their answers are handled one at a time and
 * answered in order, and a client that sends far ahead is not read until its answers come, so
 * waiting requests cannot fill the sidecar's memory.
 */
class EgressPipeliningTest extends ProxyTestBase {

    private EgressProxy start() {
        return EgressProxy.start(EgressSettings.builder().allowAddresses(List.of("127.0.0.1"))
                .allowlist(List.of(target())).resolver(fx.resolver()).build(), fx.ca, fx.audit);
    }

    private String get(String path) {
        return "GET http://" + target() + path + " HTTP/1.1\r\nHost: " + target() + "\r\n\r\n";
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderAndEachIsAudited() throws Exception {
        int requests = 5 * FrontendHandler.MAX_QUEUED; // past the pause and its resumption, several times
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < requests; i++) all.append(get("/p" + i));
        try (EgressProxy proxy = start(); Raw c = Raw.to(proxy.port())) {
            c.send(all.toString());
            for (int i = 0; i < requests; i++) {
                Raw.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("ok GET /p" + i + " 0");
            }
        }
        assertThat(up.seen).hasSize(requests);
        assertThat(fx.auditText().lines().toList()).filteredOn(l -> l.contains("\"reason\":\"allowed\"")).hasSize(requests);
    }

    @Test
    void aClientPipeliningFarAheadOfItsAnswersIsNotReadUntilTheyCome() throws Exception {
        // ~32 MB of requests: more than the kernel's socket buffers on both sides can hold
        byte[] flood = get("/p").repeat(400_000).getBytes(StandardCharsets.ISO_8859_1);
        try (EgressProxy proxy = start(); Raw c = Raw.to(proxy.port())) {
            c.send(get(TestUpstream.SLOW_PATH));
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    c.send(flood);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            assertThatThrownBy(() -> sent.get(TestUpstream.SLOW_MILLIS / 2, TimeUnit.MILLISECONDS))
                    .as("the proxy read the whole flood while its first answer was pending").isInstanceOf(TimeoutException.class);
            assertThat(c.read().body()).isEqualTo("ok GET " + TestUpstream.SLOW_PATH + " 0");
            assertThat(c.read().body()).isEqualTo("ok GET /p 0");
        }
    }
}
