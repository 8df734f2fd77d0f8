package io.claudebottle.egress;

import io.claudebottle.dlp.SecretScanner;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the egress proxy enforces. Build with {@link #builder()}.
 *
 * @param bind                 address to listen on
 * @param port                 port to listen on; 0 picks a free one
 * @param allowlist            the effective allowlist (defaults already merged in): {@code host},
 *                             {@code *.domain}, {@code host:port}
 * @param passthrough          allowlisted hosts whose CONNECT tunnels are relayed without TLS
 *                             interception (so without body DLP)
 * @param allowAddresses       addresses/CIDRs that may be dialled although private, loopback...
 * @param dlpExempt            host → DLP rule ids not applied to requests to that host
 * @param extraTrustedCaFiles  PEM files trusted for upstream TLS besides the system store
 * @param scanner              the DLP engine, already configured (extra rules, ignored values)
 * @param resolver             how names become addresses
 * @param limits               resource limits
 */
public record EgressSettings(String bind, int port, List<String> allowlist, List<String> passthrough,
                             List<String> allowAddresses, Map<String, List<String>> dlpExempt,
                             List<Path> extraTrustedCaFiles, SecretScanner scanner, HostResolver resolver,
                             Limits limits) {

    public EgressSettings {
        Objects.requireNonNull(bind, "bind");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("egress port must be 0-65535, got " + port);
        allowlist = List.copyOf(allowlist);
        passthrough = List.copyOf(passthrough);
        allowAddresses = List.copyOf(allowAddresses);
        dlpExempt = Map.copyOf(dlpExempt);
        extraTrustedCaFiles = List.copyOf(extraTrustedCaFiles);
        Objects.requireNonNull(scanner, "scanner");
        Objects.requireNonNull(resolver, "resolver");
        Objects.requireNonNull(limits, "limits");
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String bind = "127.0.0.1";
        private int port;
        private List<String> allowlist = List.of();
        private List<String> passthrough = List.of();
        private List<String> allowAddresses = List.of();
        private Map<String, List<String>> dlpExempt = Map.of();
        private List<Path> extraTrustedCaFiles = List.of();
        private SecretScanner scanner; // the built-in engine unless set: built only when needed (it is the slow part of a start)
        private HostResolver resolver = HostResolver.system();
        private Limits limits = Limits.defaults();

        public Builder bind(String v) { bind = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder allowlist(List<String> v) { allowlist = v; return this; }
        public Builder passthrough(List<String> v) { passthrough = v; return this; }
        public Builder allowAddresses(List<String> v) { allowAddresses = v; return this; }
        public Builder dlpExempt(Map<String, List<String>> v) { dlpExempt = v; return this; }
        public Builder extraTrustedCaFiles(List<Path> v) { extraTrustedCaFiles = v; return this; }
        public Builder scanner(SecretScanner v) { scanner = v; return this; }
        public Builder resolver(HostResolver v) { resolver = v; return this; }
        public Builder limits(Limits v) { limits = v; return this; }

        public EgressSettings build() {
            return new EgressSettings(bind, port, allowlist, passthrough, allowAddresses, dlpExempt,
                    extraTrustedCaFiles, scanner != null ? scanner : SecretScanner.defaults(), resolver, limits);
        }
    }
}
