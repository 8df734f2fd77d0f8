package io.claudebottle.credproxy;

import io.claudebottle.dlp.SecretScanner;
import io.claudebottle.egress.AuditLog;
import io.claudebottle.egress.BottleCa;
import io.claudebottle.egress.EgressProxy;
import io.claudebottle.egress.EgressSettings;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The real egress proxy in front of a fake upstream, as in the sidecar: it intercepts the
 * cred-proxy's TLS with a bottle CA, resolves {@code *.test} names to loopback and trusts the
 * test CA for the upstream leg.
 */
final class EgressFixture implements AutoCloseable {
    final BottleCa bottleCa = BottleCa.mint("credproxy-test");
    final ByteArrayOutputStream auditBytes = new ByteArrayOutputStream();
    final EgressProxy egress;

    EgressFixture(TestCa upstreamCa, Path dir, List<String> allowlist, Set<String> ignoredTokens) throws Exception {
        Path caFile = Files.writeString(dir.resolve("upstream-ca.pem"), upstreamCa.certificatePem());
        EgressSettings settings = EgressSettings.builder()
                .allowlist(allowlist)
                .allowAddresses(List.of("127.0.0.1"))
                .extraTrustedCaFiles(List.of(caFile))
                .scanner(SecretScanner.defaults().ignoringValues(ignoredTokens))
                .resolver(EgressFixture::resolveTestNames)
                .build();
        egress = EgressProxy.start(settings, bottleCa, AuditLog.to(auditBytes));
    }

    private static List<InetAddress> resolveTestNames(String host) throws UnknownHostException {
        if (host.endsWith(".test")) return List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
        throw new UnknownHostException(host + " (tests resolve only *.test)");
    }

    /** Cred-proxy settings that tunnel through this egress proxy and trust only its bottle CA. */
    CredProxySettings credProxySettings(List<Route> routes, UnaryOperator<String> environment,
                                        Consumer<CredProxyEvent> audit) {
        return new CredProxySettings("127.0.0.1", 0, routes,
                Optional.of(new InetSocketAddress("127.0.0.1", egress.port())),
                List.of(bottleCa.certificate()), environment, audit);
    }

    String auditLines() {
        synchronized (auditBytes) {
            return auditBytes.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        egress.close();
    }
}
