package io.claudebottle.sidecar;

import io.claudebottle.dlp.SecretScanner;
import io.claudebottle.egress.AuditLog;

import java.security.cert.X509Certificate;
import java.util.Map;

/**
 * What every service gets from the sidecar: the bottle's name, the address to bind, the shared
 * audit log, the DLP scanner, the bottle CA's certificate (for in-JVM clients of the egress proxy)
 * and the ports of the services started before it (e.g. {@code port("egress")}).
 */
public record SidecarContext(String bottle, String bind, AuditLog audit, SecretScanner scanner,
                             X509Certificate caCertificate, Map<String, Integer> startedPorts) {

    /** The port of an already started service; fails naming the missing one. */
    public int port(String service) {
        Integer p = startedPorts.get(service);
        if (p == null) throw new IllegalStateException("service \"" + service + "\" is not running in this sidecar; "
                + "it must be configured and start before the services that use it");
        return p;
    }
}
