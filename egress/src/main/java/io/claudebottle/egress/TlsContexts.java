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
    private final SslProvider provider;
    private final SslContext upstream;
    private final Map<String, SslContext> leaves = new ConcurrentHashMap<>();

    TlsContexts(BottleCa ca, List<Path> extraTrustedCaFiles) {
        this.ca = ca;
        this.provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        try {
            this.upstream = SslContextBuilder.forClient().sslProvider(provider)
                    .trustManager(trustManager(extraTrustedCaFiles))
                    .applicationProtocolConfig(HTTP11)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the upstream TLS context: " + e.getMessage(), e);
        }
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
                        .sslProvider(provider)
                        .applicationProtocolConfig(HTTP11)
                        .protocols("TLSv1.3", "TLSv1.2")
                        .build();
            } catch (SSLException e) {
                throw new IllegalStateException("cannot build a TLS context for " + h + ": " + e.getMessage(), e);
            }
        });
    }

    SslContext upstream() {
        return upstream;
    }

    /** The system trust store plus the given PEM files: a certificate trusted by either passes. */
    private static X509ExtendedTrustManager trustManager(List<Path> extraCaFiles) {
        try {
            TrustManagerFactory sys = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            sys.init((KeyStore) null);
            X509ExtendedTrustManager system = x509(sys.getTrustManagers());
            if (extraCaFiles.isEmpty()) return system;
            KeyStore extra = KeyStore.getInstance(KeyStore.getDefaultType());
            extra.load(null, null);
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            int n = 0;
            for (Path file : extraCaFiles) {
                try (InputStream in = Files.newInputStream(file)) {
                    var certs = cf.generateCertificates(in);
                    if (certs.isEmpty()) throw new IllegalArgumentException(
                            "extraTrustedCaFiles: " + file + " holds no PEM certificate");
                    for (var c : certs) extra.setCertificateEntry("extra-" + n++, c);
                } catch (IOException e) {
                    throw new IllegalArgumentException("extraTrustedCaFiles: cannot read " + file + ": " + e.getMessage(), e);
                } catch (java.security.cert.CertificateException e) {
                    throw new IllegalArgumentException("extraTrustedCaFiles: " + file + " is not a PEM certificate ("
                            + e.getMessage() + "); give the CA certificate that signs the upstream's", e);
                }
            }
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
