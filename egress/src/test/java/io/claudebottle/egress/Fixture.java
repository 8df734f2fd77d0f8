package io.claudebottle.egress;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A proxy on loopback plus what tests need around it: a stub resolver (test names → loopback),
 * a separate "public" CA for upstream servers, the audit file, clients that trust only the bottle CA.
 */
final class Fixture implements AutoCloseable {
    static final BottleCa UPSTREAM_CA = BottleCa.mint("test-upstream-pki");

    final Path dir;
    final BottleCa ca = BottleCa.mint("test-bottle");
    final Path auditFile;
    final Path upstreamCaFile;
    final Map<String, List<InetAddress>> names = new ConcurrentHashMap<>();
    final AtomicInteger resolutions = new AtomicInteger();
    final AuditLog audit;
    /** The proxy's sockets: this machine's best unless a test picks the fallback. */
    Transport transport = Transport.BEST;
    EgressProxy proxy;

    Fixture(Path dir) throws IOException {
        this.dir = dir;
        this.auditFile = dir.resolve("audit.jsonl");
        this.upstreamCaFile = dir.resolve("upstream-ca.pem");
        Files.writeString(upstreamCaFile, UPSTREAM_CA.certificatePem());
        this.audit = AuditLog.appendingTo(auditFile);
        name("allowed.test", "127.0.0.1");
        name("other.test", "127.0.0.1");
    }

    Fixture name(String name, String... addresses) {
        names.put(name, java.util.Arrays.stream(addresses).map(a -> {
            try {
                return InetAddress.getByName(a);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(e);
            }
        }).toList());
        return this;
    }

    HostResolver resolver() {
        return host -> {
            resolutions.incrementAndGet();
            List<InetAddress> a = names.get(host);
            if (a == null) throw new UnknownHostException(host);
            return a;
        };
    }

    /** Starts the proxy: loopback allowed, upstream CA trusted, then {@code custom} applied. */
    Fixture start(Consumer<EgressSettings.Builder> custom) {
        EgressSettings.Builder b = EgressSettings.builder()
                .allowAddresses(List.of("127.0.0.1"))
                .extraTrustedCaFiles(List.of(upstreamCaFile))
                .resolver(resolver());
        custom.accept(b);
        proxy = EgressProxy.start(b.build(), ca, audit, transport);
        return this;
    }

    int port() {
        return proxy.port();
    }

    static SslContext upstreamTls(String host) throws Exception {
        BottleCa.Leaf leaf = UPSTREAM_CA.issue(host);
        return SslContextBuilder.forServer(leaf.key(), leaf.certificate(), UPSTREAM_CA.certificate()).build();
    }

    static SSLContext trusting(X509Certificate... roots) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        for (int i = 0; i < roots.length; i++) ks.setCertificateEntry("ca" + i, roots[i]);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** An HTTP/1.1 client using the proxy and trusting only the bottle CA. */
    HttpClient client() throws Exception {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", port())))
                .sslContext(trusting(ca.certificate()))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    String auditText() throws IOException {
        return Files.readString(auditFile);
    }

    @Override
    public void close() {
        if (proxy != null) proxy.close();
        audit.close();
    }
}
