package io.claudebottle.egress;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A bottle's own certificate authority (EC P-384), minted when the sidecar starts. The private
 * key exists only in this object: there is no accessor and nothing writes it anywhere. The
 * certificate is public: the agent trusts it, and in-JVM clients (the cred-proxy) can add
 * {@link #certificate()} to their trust store.
 */
public final class BottleCa {
    /** In a holder: the security providers' set-up then runs on the key-generation thread, not on whatever first touches this class. */
    private static final class Randomness {
        static final SecureRandom SOURCE = new SecureRandom();
    }

    private static final Duration CA_LIFETIME = Duration.ofDays(30);
    private static final Duration LEAF_LIFETIME = Duration.ofDays(7);
    private static final Duration BACKDATE = Duration.ofHours(1);

    /** A leaf certificate and the key it certifies. */
    record Leaf(PrivateKey key, X509Certificate certificate) {}

    /** A CA key pair generated ahead of {@link #mint}, held only in this JVM's memory and used once. */
    private static final AtomicReference<CompletableFuture<KeyPair>> PREPARED = new AtomicReference<>();

    private final KeyPair caKeys;
    private final X509CertificateHolder caCert;
    private final String caPem;
    /**
     * The certificate as a JDK object, made on first use: the JDK's first certificate parse sets
     * up its security logging, which scans every jar on the class path (tens of ms on a cold JVM),
     * and neither the agent (which needs only the PEM) nor the first leaf needs it.
     */
    private volatile X509Certificate jdkCertificate;
    // One key pair for all leaves: every leaf is only as trusted as this process anyway, and a
    // fresh key per host would add latency to the first request to each host. Generated
    // in the background from prepareLeafKeys(): no leaf is needed before the first intercepted
    // CONNECT, and on a cold JVM the generation would compete with a sidecar's start for the CPU.
    private final AtomicReference<CompletableFuture<KeyPair>> leafKeys = new AtomicReference<>();

    private BottleCa(KeyPair caKeys, X509CertificateHolder caCert) {
        this.caKeys = caKeys;
        this.caCert = caCert;
        this.caPem = pem(caCert);
    }

    /**
     * Starts generating the key pair of the next {@link #mint} in the background. On a cold JVM a
     * key generation runs interpreted for tens of ms; a launcher that knows it
     * will mint a CA calls this first thing, so the key is ready by the time the bottle's name is.
     * The key stays in this JVM's memory, like a key {@code mint} generates itself.
     */
    public static void prepareKeys() {
        PREPARED.compareAndSet(null, generateInBackground("bottle-ca-keygen"));
    }

    /** Mints a CA whose subject names the bottle, e.g. {@code CN=claude-bottle CA gitea-dev-3f9a}. */
    public static BottleCa mint(String bottleName) {
        try {
            CompletableFuture<KeyPair> prepared = PREPARED.getAndSet(null);
            KeyPair keys = prepared != null ? join(prepared) : newKeyPair();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.O, "claude-bottle")
                    .addRDN(BCStyle.CN, "claude-bottle CA " + bottleName)
                    .build();
            Instant now = Instant.now();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_LIFETIME)), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new BottleCa(keys, b.build(signer(keys.getPrivate())));
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot mint the bottle CA for " + bottleName + ": " + e.getMessage(), e);
        }
    }

    public X509Certificate certificate() {
        X509Certificate certificate = jdkCertificate;
        if (certificate == null) {
            try {
                certificate = new JcaX509CertificateConverter().getCertificate(caCert);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot read back the bottle CA certificate: " + e.getMessage(), e);
            }
            jdkCertificate = certificate; // a race makes two equal copies; either will do
        }
        return certificate;
    }

    /** The certificate in PEM, as written to {@code caCertFile} and served at {@code /ca.pem}. */
    public String certificatePem() {
        return caPem;
    }

    private static String pem(X509CertificateHolder certificate) {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(certificate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s.toString();
    }

    /** Issues a server certificate for {@code host} (a DNS name or an IP literal). */
    Leaf issue(String host) {
        try {
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, host).build();
            GeneralName san = Hosts.isIpLiteral(host) ? new GeneralName(GeneralName.iPAddress, host)
                    : new GeneralName(GeneralName.dNSName, host);
            Instant now = Instant.now();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert.getSubject(), serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(LEAF_LIFETIME)), subject, leafKeys().getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer(caKeys.getPrivate())));
            return new Leaf(leafKeys().getPrivate(), cert);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue a certificate for " + host + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts generating the leaves' key pair in the background, if not yet started. A sidecar
     * calls this once its services listen; the first leaf otherwise starts it.
     */
    public void prepareLeafKeys() {
        if (leafKeys.get() == null) {
            CompletableFuture<KeyPair> keys = new CompletableFuture<>();
            if (leafKeys.compareAndSet(null, keys)) generateInto(keys, "bottle-leaf-keygen");
        }
    }

    private KeyPair leafKeys() throws GeneralSecurityException {
        prepareLeafKeys();
        return join(leafKeys.get());
    }

    private static CompletableFuture<KeyPair> generateInBackground(String threadName) {
        CompletableFuture<KeyPair> keys = new CompletableFuture<>();
        generateInto(keys, threadName);
        return keys;
    }

    private static void generateInto(CompletableFuture<KeyPair> keys, String threadName) {
        Thread.ofPlatform().name(threadName).daemon().start(() -> {
            try {
                keys.complete(newKeyPair());
            } catch (GeneralSecurityException | RuntimeException e) {
                keys.completeExceptionally(e);
            }
        });
    }

    private static KeyPair join(CompletableFuture<KeyPair> keys) throws GeneralSecurityException {
        try {
            return keys.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof GeneralSecurityException g) throw g;
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    /**
     * P-384, not P-256: the JDK's first P-256 key generation (and signature) builds a precomputed
     * table of the generator, 80-150 ms of a cold JVM's CPU on the start's critical path, while a
     * first P-384 key costs 15-70 ms; every TLS stack accepts P-384 certificates.
     */
    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"), Randomness.SOURCE);
        return g.generateKeyPair();
    }

    private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        return new JcaContentSignerBuilder("SHA384withECDSA").build(key);
    }

    private static BigInteger serial() {
        return new BigInteger(127, Randomness.SOURCE).add(BigInteger.ONE);
    }
}
