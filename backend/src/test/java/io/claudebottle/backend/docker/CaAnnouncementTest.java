package io.claudebottle.backend.docker;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CaAnnouncementTest {

    private static final String PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

    @Test
    void theAnnouncedCertificateRoundTripsOnOneLine() {
        String line = CaAnnouncement.line(PEM);
        assertThat(line).doesNotContain("\n");
        assertThat(CaAnnouncement.certificate(line)).contains(PEM);
    }

    @Test
    void otherLinesAnnounceNothing() {
        assertThat(CaAnnouncement.certificate("{\"bottle\":\"b\",\"ports\":{}}")).isEmpty();
        assertThat(CaAnnouncement.certificate(CaAnnouncement.PREFIX + "not base64 !")).isEmpty();
        // a well-formed line that does not carry a certificate (e.g. a private key) is not taken for one
        assertThat(CaAnnouncement.certificate(CaAnnouncement.line("-----BEGIN PRIVATE KEY-----\nx\n"))).isEmpty();
    }
}
