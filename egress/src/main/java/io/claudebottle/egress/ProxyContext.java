package io.claudebottle.egress;

import io.claudebottle.dlp.SecretScanner;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/** The shared, thread-safe state of one proxy: policy, TLS, audit. */
final class ProxyContext {
    final EgressSettings settings;
    final Limits limits;
    final Allowlist allowlist;
    final Allowlist passthrough;
    final AddressPolicy addresses;
    final TlsContexts tls;
    final AuditLog audit;
    final AuditBatches auditBatches;
    final AtomicInteger connections = new AtomicInteger();
    private final ExecutorService resolverThreads;
    private final Map<String, SecretScanner> scanners = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> exemptions;

    /** The sockets of the proxy's event loops, which upstream connections must use too. */
    final Transport transport;

    ProxyContext(EgressSettings settings, BottleCa ca, AuditLog audit, ExecutorService resolverThreads, Transport transport) {
        this.settings = settings;
        this.transport = transport;
        this.limits = settings.limits();
        this.allowlist = Allowlist.of(settings.allowlist(), "egress.allowlist");
        this.passthrough = Allowlist.of(settings.passthrough(), "egress.passthrough");
        this.addresses = AddressPolicy.allowing(settings.allowAddresses());
        this.tls = new TlsContexts(ca, settings.extraTrustedCaFiles());
        this.audit = audit;
        this.auditBatches = new AuditBatches(audit);
        this.resolverThreads = resolverThreads;
        Map<String, Set<String>> ex = new ConcurrentHashMap<>();
        settings.dlpExempt().forEach((host, rules) -> {
            String h = Hosts.normalize(host);
            if (h == null) throw new IllegalArgumentException("egress.dlpExempt: bad host \"" + host + "\"");
            ex.computeIfAbsent(h, k -> new HashSet<>()).addAll(rules);
        });
        this.exemptions = Map.copyOf(ex);
    }

    /** The scanner for requests to {@code host}: the base one minus that host's exempt rules. */
    SecretScanner scannerFor(String host) {
        Set<String> exempt = exemptions.get(host);
        if (exempt == null) return settings.scanner();
        return scanners.computeIfAbsent(host, h -> settings.scanner().without(exempt));
    }

    boolean isPassthrough(String host, int port) {
        return passthrough.permits(host, port);
    }

    /**
     * Resolves {@code host} once and picks the first address the policy permits. An IP literal
     * is only accepted when an allowAddresses entry names it. Fails with a {@link Refusal}.
     */
    CompletableFuture<InetAddress> resolveChecked(String host) {
        if (Hosts.isIpLiteral(host)) {
            InetAddress literal = Hosts.canonicalLiteral(host);
            if (literal == null || !addresses.explicitlyAllows(literal)) {
                return CompletableFuture.failedFuture(new Refusal(Refusal.Kind.ADDRESS, "ip-literal"));
            }
            return CompletableFuture.completedFuture(literal);
        }
        return CompletableFuture.supplyAsync(() -> {
            List<InetAddress> all;
            try {
                all = settings.resolver().resolve(host);
            } catch (UnknownHostException e) {
                throw new Refusal(Refusal.Kind.DNS, "dns-failed");
            }
            for (InetAddress a : all) if (addresses.permits(a)) return a;
            throw new Refusal(Refusal.Kind.ADDRESS, "address-not-allowed");
        }, resolverThreads);
    }

    /** Why a target could not be dialled. */
    static final class Refusal extends RuntimeException {
        enum Kind { ADDRESS, DNS }

        final Kind kind;
        final String reason;

        Refusal(Kind kind, String reason) {
            super(reason, null, false, false);
            this.kind = kind;
            this.reason = reason;
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
