package io.claudebottle.sidecar;

import io.claudebottle.dlp.SecretScanner;
import io.claudebottle.egress.AuditLog;
import io.claudebottle.egress.BottleCa;
import io.claudebottle.egress.HostResolver;
import io.claudebottle.egress.PlainJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.UnaryOperator;

/**
 * One bottle's sidecar: mints the bottle CA, opens the audit log, starts every configured
 * service in this JVM, then the supervise endpoint. If any service fails to start, the ones
 * already started are stopped and the error names the service (fail closed: no half sidecar).
 */
public final class Sidecar implements AutoCloseable {
    private final SidecarConfig config;
    private final BottleCa ca;
    private final AuditLog audit;
    private final List<SidecarService> services;
    private final CountDownLatch closed = new CountDownLatch(1);

    private Sidecar(SidecarConfig config, BottleCa ca, AuditLog audit, List<SidecarService> services) {
        this.config = config;
        this.ca = ca;
        this.audit = audit;
        this.services = Collections.unmodifiableList(services);
    }

    /** Starts the sidecar; the cred-proxy reads its tokens from this process's environment. */
    public static Sidecar start(SidecarConfig config) {
        return start(config, CredProxyService.tokens(config.credProxy(), System::getenv), System::getenv);
    }

    /**
     * Starts the sidecar with the cred-proxy reading its tokens through {@code environment}
     * (tests inject them); the egress DLP ignores exactly those token values.
     */
    public static Sidecar start(SidecarConfig config, UnaryOperator<String> environment) {
        return start(config, CredProxyService.tokens(config.credProxy(), environment), environment);
    }

    /**
     * Starts the sidecar. {@code injectedValues} are secrets the sidecar itself adds to requests
     * (the cred-proxy's tokens): the DLP scanner ignores exact occurrences of them, so the
     * cred-proxy's own upstream traffic through the egress proxy is not blocked.
     */
    public static Sidecar start(SidecarConfig config, Set<String> injectedValues) {
        return start(config, injectedValues, System::getenv);
    }

    /**
     * Starts the sidecar inside the launcher's JVM (the native backend): {@code ca} is minted
     * beforehand because the agent's sandbox needs its certificate while the services start, the
     * cred-proxy reads its tokens through {@code environment}, and the egress proxy resolves names
     * with {@code resolver} (the launcher's JVM cannot take a private hosts file).
     */
    public static Sidecar start(SidecarConfig config, BottleCa ca, UnaryOperator<String> environment, HostResolver resolver) {
        return start(config, ca, buildEngine(config), CredProxyService.tokens(config.credProxy(), environment), environment, resolver);
    }

    private static Sidecar start(SidecarConfig config, Set<String> injectedValues, UnaryOperator<String> environment) {
        // Minting the CA (key generation) and building the DLP engine (rule compilation) are
        // independent and each is a good part of a start: side by side. The services' set-up
        // follows the CA (on two cores a third thread beside these only delayed the CA).
        FutureTask<SecretScanner> dlp = buildEngine(config);
        BottleCa ca = BottleCa.mint(config.bottle());
        StartTrace.mark("sidecar: CA minted");
        return start(config, ca, dlp, injectedValues, environment, HostResolver.system());
    }

    /** Builds the DLP engine on its own thread: the services are set up and bound meanwhile. */
    private static FutureTask<SecretScanner> buildEngine(SidecarConfig config) {
        FutureTask<SecretScanner> dlp = new FutureTask<>(() -> {
            SecretScanner s = scanner(config);
            StartTrace.mark("sidecar: DLP engine built");
            return s;
        });
        Thread.ofPlatform().name("sidecar-dlp-init").daemon().start(dlp);
        return dlp;
    }

    private static <T> T join(FutureTask<T> task) {
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the sidecar started", e);
        }
    }

    /**
     * Sets up and binds every service while the DLP engine is being built (their set-up, the
     * egress proxy's above all, is as long as the engine's), then, with the engine in place, opens
     * them, and binds supervise last: supervise listening is the signal that every service serves
     * (the agent's entrypoint and the launcher wait for it). Fail closed: a service opens only
     * once the CA and the engine are in place; connections that arrive earlier wait in the
     * kernel's queue.
     */
    private static Sidecar start(SidecarConfig config, BottleCa ca, FutureTask<SecretScanner> dlp, Set<String> injectedValues,
                                 UnaryOperator<String> environment, HostResolver resolver) {
        writeCaCertificate(config.caCertFile(), ca.certificatePem());
        AuditLog audit = AuditLog.appendingTo(config.auditLog());
        List<SidecarService> started = new ArrayList<>();
        Map<String, Integer> ports = new LinkedHashMap<>();
        PendingScanner engine = new PendingScanner();
        try {
            SidecarContext ctx = new SidecarContext(config.bottle(), config.bind(), audit,
                    engine.ignoringValues(injectedValues), ca.certificate(), Collections.unmodifiableMap(ports));
            // egress first: the services after it send their traffic through it
            if (config.egress() != null) add(started, ports, EgressService.bind(config.egress(), ctx, ca, resolver));
            if (config.credProxy() != null) add(started, ports, CredProxyService.start(config.credProxy(), ctx, environment));
            if (config.gitGate() != null && !config.gitGate().repos().isEmpty()) add(started, ports, GitGateService.start(config.gitGate(), ctx));
            if (config.dns() != null) add(started, ports, DnsSinkService.bind(config.dns(), ctx));
            engine.complete(join(dlp));
            for (SidecarService s : started) s.open();
            StartTrace.mark("sidecar: services open");
            List<SidecarService> view = Collections.unmodifiableList(started);
            add(started, ports, Supervise.start(config.bind(), config.supervise().port(), ca.certificatePem(), () -> view));
        } catch (RuntimeException | Error e) {
            engine.fail(e); // a git-gate push waiting for the engine is refused
            for (SidecarService s : started.reversed()) s.close();
            audit.close();
            throw e;
        }
        ca.prepareLeafKeys(); // now, not earlier: the CPU went to the start
        Sidecar sidecar = new Sidecar(config, ca, audit, started);
        audit.write("sidecar", Map.of("event", "started", "bottle", config.bottle(), "ports", sidecar.ports()));
        return sidecar;
    }

    private static void add(List<SidecarService> started, Map<String, Integer> ports, SidecarService s) {
        started.add(s);
        ports.put(s.name(), s.port());
        StartTrace.mark("sidecar: " + s.name() + " bound on port " + s.port());
    }

    private static SecretScanner scanner(SidecarConfig config) {
        if (config.egress() == null) return SecretScanner.defaults();
        try {
            return SecretScanner.withRules(config.egress().dlpRules().stream().map(SidecarConfig.DlpRule::toRule).toList(),
                    config.egress().dlpAllow());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("egress.dlpRules / egress.dlpAllow: " + e.getMessage(), e);
        }
    }

    private static void writeCaCertificate(Path file, String pem) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.writeString(file, pem);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the CA certificate to " + file + ": " + e.getMessage()
                    + " (check \"caCertFile\" in the sidecar config)", e);
        }
    }

    /** Bound ports by service name, e.g. {@code {egress=3128, supervise=9100}}. */
    public Map<String, Integer> ports() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (SidecarService s : services) m.put(s.name(), s.port());
        return m;
    }

    /**
     * The line a sidecar process prints on stdout once every service listens (the launcher waits
     * for it): {@code {"bottle":…,"ports":{…}}}.
     */
    public String readyLine() {
        Map<String, Object> ready = new LinkedHashMap<>();
        ready.put("bottle", config.bottle());
        ready.put("ports", ports());
        return PlainJson.text(ready);
    }

    /** The bottle CA certificate: in-JVM clients of the egress proxy must trust it. */
    public X509Certificate caCertificate() {
        return ca.certificate();
    }

    public SidecarConfig config() {
        return config;
    }

    /**
     * Closes this sidecar when the JVM is asked to stop (SIGTERM, SIGINT) and blocks until it is
     * closed: the life of a sidecar process once it is ready.
     */
    public void runUntilShutdown() throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "sidecar-shutdown"));
        closed.await();
    }

    @Override
    public synchronized void close() {
        if (closed.getCount() == 0) return;
        for (SidecarService s : services.reversed()) {
            try {
                s.close();
            } catch (RuntimeException e) {
                System.err.println("sidecar: stopping " + s.name() + ": " + e.getMessage());
            }
        }
        audit.write("sidecar", Map.of("event", "stopped", "bottle", config.bottle()));
        audit.close();
        closed.countDown();
    }
}
