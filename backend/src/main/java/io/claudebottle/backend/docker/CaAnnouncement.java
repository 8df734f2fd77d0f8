package io.claudebottle.backend.docker;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The line a container sidecar prints on stdout the moment its CA is minted, before its services
 * listen: {@code bottle-ca-certificate <base64 of the PEM>}. The launcher follows the sidecar's
 * output for it and starts the agent with that certificate while the services come up. Only the
 * certificate travels; the key stays in the sidecar. (Base64, not JSON: the line is printed before
 * anything else in the sidecar JVM needs a JSON mapper, which would cost its class loading first.)
 */
final class CaAnnouncement {

    static final String PREFIX = "bottle-ca-certificate ";

    private CaAnnouncement() {
    }

    static String line(String pem) {
        return PREFIX + Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }

    /** The certificate a line announces, or empty for any other line. */
    static Optional<String> certificate(String line) {
        if (!line.startsWith(PREFIX)) {
            return Optional.empty();
        }
        try {
            String pem = new String(Base64.getDecoder().decode(line.substring(PREFIX.length()).strip()), StandardCharsets.US_ASCII);
            return pem.startsWith("-----BEGIN CERTIFICATE-----") ? Optional.of(pem) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
