package io.claudebottle.egress;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** The TLS contexts of the proxy: bottle-CA leaves towards the agent, verified TLS upstream. */
final class TlsContexts {
    private static final int MAX_CACHED_LEAVES = 4096;
    private static final ApplicationProtocolConfig HTTP11 = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_1_1);

    private final BottleCa ca;
    private final CompletableFuture<Built> built;
    private final Map<String, SslContext> leaves = new ConcurrentHashMap<>();

    /** The native TLS provider's choice and the upstream context: what a first interception needs. */
    private record Built(SslProvider provider, SslContext upstream) {
    }

    /**
     * Reads the extra CA files now (a bad file fails the start, naming it) and loads the TLS
     * library and the system trust anchors on a thread of their own: that is a good part of a
     * sidecar's start (Netty's OpenSSL, 144 anchors parsed), and nothing needs it before the first
     * intercepted CONNECT, which waits for {@link #ready()}.
     */
    TlsContexts(BottleCa ca, List<Path> extraTrustedCaFiles) {
        this.ca = ca;
        List<X509Certificate> extraCas = readCertificates(extraTrustedCaFiles);
        this.built = CompletableFuture.supplyAsync(() -> build(extraCas),
                task -> Thread.ofPlatform().name("egress-tls-init").daemon().start(task));
    }

    private static Built build(List<X509Certificate> extraCas) {
        SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        try {
            SslContext upstream = SslContextBuilder.forClient().sslProvider(provider)
                    .trustManager(trustManager(extraCas))
                    .applicationProtocolConfig(HTTP11)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
            return new Built(provider, upstream);
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the upstream TLS context: " + e.getMessage(), e);
        }
    }

    /** Completes once the TLS library and the trust anchors are loaded; exceptionally if they cannot be. */
    CompletableFuture<?> ready() {
        return built;
    }

    private Built built() {
        return built.join();
    }

    /** The context presenting a bottle-CA certificate for {@code host} to the agent; cached per host. */
    SslContext leafFor(String host) {
        SslContext cached = leaves.get(host);
        if (cached != null) return cached;
        if (leaves.size() >= MAX_CACHED_LEAVES) leaves.clear();
        return leaves.computeIfAbsent(host, h -> {
            BottleCa.Leaf leaf = ca.issue(h);
            try {
                return SslContextBuilder.forServer(leaf.key(), leaf.certificate(), ca.certificate())
                        .sslProvider(built().provider())
                        .applicationProtocolConfig(HTTP11)
                        .protocols("TLSv1.3", "TLSv1.2")
                        .build();
            } catch (SSLException e) {
                throw new IllegalStateException("cannot build a TLS context for " + h + ": " + e.getMessage(), e);
            }
        });
    }

    SslContext upstream() {
        return built().upstream();
    }

    private static List<X509Certificate> readCertificates(List<Path> files) {
        if (files.isEmpty()) return List.of();
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Path file : files) {
                try (InputStream in = Files.newInputStream(file)) {
                    var certs = cf.generateCertificates(in);
                    if (certs.isEmpty()) throw new IllegalArgumentException(
                            "extraTrustedCaFiles: " + file + " holds no PEM certificate");
                    for (var c : certs) certificates.add((X509Certificate) c);
                } catch (IOException e) {
                    throw new IllegalArgumentException("extraTrustedCaFiles: cannot read " + file + ": " + e.getMessage(), e);
                } catch (CertificateException e) {
                    throw new IllegalArgumentException("extraTrustedCaFiles: " + file + " is not a PEM certificate ("
                            + e.getMessage() + "); give the CA certificate that signs the upstream's", e);
                }
            }
        } catch (CertificateException e) {
            throw new IllegalStateException("no X.509 certificate factory: " + e.getMessage(), e);
        }
        return certificates;
    }

    /** The system trust store plus the extra CAs: a certificate trusted by either passes. */
    private static X509ExtendedTrustManager trustManager(List<X509Certificate> extraCas) {
        try {
            TrustManagerFactory sys = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            sys.init((KeyStore) null);
            X509ExtendedTrustManager system = x509(sys.getTrustManagers());
            if (extraCas.isEmpty()) return system;
            KeyStore extra = KeyStore.getInstance(KeyStore.getDefaultType());
            extra.load(null, null);
            for (int n = 0; n < extraCas.size(); n++) extra.setCertificateEntry("extra-" + n, extraCas.get(n));
            TrustManagerFactory ex = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            ex.init(extra);
            return new EitherTrustManager(system, x509(ex.getTrustManagers()));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot load trust anchors: " + e.getMessage(), e);
        }
    }

    private static X509ExtendedTrustManager x509(TrustManager[] tms) {
        for (TrustManager tm : tms) if (tm instanceof X509ExtendedTrustManager x) return x;
        throw new IllegalStateException("no X509ExtendedTrustManager available");
    }

    /** Extended, so the engine's endpoint identification (host name check) runs in both delegates. */
    private static final class EitherTrustManager extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager first;
        private final X509ExtendedTrustManager second;

        EitherTrustManager(X509ExtendedTrustManager first, X509ExtendedTrustManager second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            try {
                first.checkServerTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                second.checkServerTrusted(chain, authType, engine);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            try {
                first.checkServerTrusted(chain, authType, socket);
            } catch (CertificateException e) {
                second.checkServerTrusted(chain, authType, socket);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("upstream certificates are checked with the host name only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the egress proxy does not accept client certificates");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            List<X509Certificate> all = new ArrayList<>(List.of(first.getAcceptedIssuers()));
            all.addAll(List.of(second.getAcceptedIssuers()));
            return all.toArray(X509Certificate[]::new);
        }
    }
}
