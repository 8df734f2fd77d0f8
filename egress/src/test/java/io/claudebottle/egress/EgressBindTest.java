package io.claudebottle.egress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A proxy bound but not yet accepting (a sidecar whose DLP engine is still being built) serves
 * nothing: a client connects (the kernel queues it) and gets its answer only after accept().
 */
class EgressBindTest {

    @Test
    void servesNothingUntilAcceptThenServesTheQueuedConnection() throws Exception {
        EgressSettings settings = EgressSettings.builder().bind("127.0.0.1").port(0).allowlist(List.of()).build();
        try (EgressProxy proxy = EgressProxy.bind(settings, BottleCa.mint("bind-test"), AuditLog.to(new ByteArrayOutputStream()));
             Socket client = new Socket()) {
            client.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 2000);
            client.getOutputStream().write("GET http://denied.test/ HTTP/1.1\r\nHost: denied.test\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            client.setSoTimeout(500);
            InputStream in = client.getInputStream();
            assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);

            proxy.accept();
            client.setSoTimeout(5000);
            byte[] head = in.readNBytes(12);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 403");
            assertThat(proxy.healthy()).as("TLS library and trust anchors load in the background").isTrue();
        }
    }

    @Test
    void aBadExtraCaFileFailsTheBindNamingIt(@TempDir Path dir) throws Exception {
        Path notPem = Files.writeString(dir.resolve("upstream-ca.pem"), "not a certificate\n");
        EgressSettings settings = EgressSettings.builder().bind("127.0.0.1").port(0).allowlist(List.of())
                .extraTrustedCaFiles(List.of(notPem)).build();
        assertThatThrownBy(() -> EgressProxy.bind(settings, BottleCa.mint("bind-test"), AuditLog.to(new ByteArrayOutputStream())))
                .hasMessageContaining("extraTrustedCaFiles").hasMessageContaining(notPem.toString());
    }
}
