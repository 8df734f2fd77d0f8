package io.claudebottle.cli.demo;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * A throwaway CA for the demo's fake upstreams. Only the demo bottle's sidecar trusts it (through
 * {@code extraTrustedCaFiles}); it lives in memory and dies with the demo.
 */
public final class DemoCa {
    private static final String SUBJECT = "CN=bottle demo upstream CA (throwaway)";
    private final KeyPair key;
    private final X509Certificate certificate;

    private DemoCa(KeyPair key, X509Certificate certificate) {
        this.key = key;
        this.certificate = certificate;
    }

    public static DemoCa mint() {
        try {
            KeyPair key = newKey();
            return new DemoCa(key, sign(SUBJECT, key, key, true, List.of()));
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException
                 | org.bouncycastle.cert.CertIOException e) {
            throw new IllegalStateException("cannot mint the demo CA: " + e.getMessage(), e);
        }
    }

    /** A TLS server context whose certificate covers {@code dnsNames}, signed by this CA. */
    public SSLContext serverContext(List<String> dnsNames) {
        try {
            KeyPair leafKey = newKey();
            X509Certificate leaf = sign("CN=" + dnsNames.getFirst(), leafKey, key, false, dnsNames);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("leaf", leafKey.getPrivate(), new char[0], new X509Certificate[] {leaf, certificate});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, new char[0]);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(kmf.getKeyManagers(), null, null);
            return tls;
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the demo TLS certificate for " + dnsNames + ": " + e.getMessage(), e);
        }
    }

    public String pem() {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair newKey() throws GeneralSecurityException {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256);
        return gen.generateKeyPair();
    }

    private static X509Certificate sign(String subject, KeyPair subjectKey, KeyPair issuerKey, boolean isCa,
                                        List<String> dnsNames) throws GeneralSecurityException,
            org.bouncycastle.operator.OperatorCreationException, org.bouncycastle.cert.CertIOException {
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(new X500Name(SUBJECT), BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), new X500Name(subject),
                subjectKey.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        if (!dnsNames.isEmpty()) {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                    dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
    }
}
