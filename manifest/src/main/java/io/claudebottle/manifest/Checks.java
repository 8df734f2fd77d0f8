package io.claudebottle.manifest;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Syntax checks for manifest values. Each returns the problem (what is wrong and how to write it)
 * or empty when the value is fine. None of them touches the network: addresses are parsed as
 * literals only, never resolved.
 */
final class Checks {
    private Checks() {}

    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");
    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    static final Pattern GIT_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    static final Pattern SKILL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    static final Pattern RULE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    static final Pattern AUTH_SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern SCP_STYLE = Pattern.compile("(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(.+)");
    private static final Pattern KNOWN_HOST_KEY = Pattern.compile(
            "(ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\\.com"
                    + "|sk-ecdsa-sha2-nistp256@openssh\\.com) [A-Za-z0-9+/=.]+");

    static final String HOST_FORMS = "write a host like example.com, *.example.com or example.com:8443";

    /** A plain hostname (lowercase), no wildcard, no port. */
    static Optional<String> hostname(String host) {
        if (host.isEmpty()) {
            return Optional.of("an empty hostname; " + HOST_FORMS);
        }
        if (host.contains("://") || host.contains("/")) {
            return Optional.of("`" + host + "` is not a hostname; write the bare host" + bareHost(host).map(h -> ": " + h).orElse(""));
        }
        if (isIpLiteral(host)) {
            return Optional.of("`" + host + "` is an IP address; write a hostname here");
        }
        if (host.length() > 253) {
            return Optional.of("`" + host + "` is longer than 253 characters, so it is not a hostname");
        }
        String[] labels = host.split("\\.", -1);
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                return Optional.of("`" + host + "` is not a valid hostname (labels are letters, digits and inner "
                        + "hyphens, separated by single dots); " + HOST_FORMS);
            }
        }
        if (DIGITS.matcher(labels[labels.length - 1]).matches()) {
            return Optional.of("`" + host + "` is an IP address; write a hostname here");
        }
        return Optional.empty();
    }

    /** An allowlist entry: {@code host}, {@code *.domain} or either with {@code :port}. */
    static Optional<String> allowlistEntry(String entry) {
        if (entry.contains("://") || entry.contains("/")) {
            return hostname(entry);
        }
        if (entry.startsWith("[") || entry.chars().filter(c -> c == ':').count() > 1) {
            return hostname(entry.replaceAll("[\\[\\]]", "").replaceAll("%.*", ""));
        }
        String host = entry;
        int colon = entry.lastIndexOf(':');
        if (colon >= 0) {
            host = entry.substring(0, colon);
            String port = entry.substring(colon + 1);
            if (!DIGITS.matcher(port).matches() || port.length() > 5 || Integer.parseInt(port) < 1
                    || Integer.parseInt(port) > 65535) {
                return Optional.of("port `" + port + "` in `" + entry + "` is not a port number; use 1-65535");
            }
        }
        if (host.startsWith("*.")) {
            String domain = host.substring(2);
            Optional<String> problem = hostname(domain);
            if (problem.isPresent()) {
                return problem;
            }
            if (!domain.contains(".")) {
                return Optional.of("`" + entry + "` is too broad; wildcard a domain you trust, like *.example.com");
            }
            return Optional.empty();
        }
        if (host.contains("*")) {
            return Optional.of("`" + entry + "` has a `*` that is not a leading `*.`; " + HOST_FORMS);
        }
        return hostname(host);
    }

    /**
     * The address of an allowlist entry that names an IP literal ({@code 10.0.0.7},
     * {@code 10.0.0.7:8443}, {@code fd00::7}, {@code [fd00::7]:8443}), or empty for a hostname.
     */
    static Optional<String> ipLiteralOf(String entry) {
        String address = entry;
        if (entry.startsWith("[") && entry.contains("]")) {
            address = entry.substring(1, entry.indexOf(']'));
        } else if (entry.chars().filter(c -> c == ':').count() == 1) {
            address = entry.substring(0, entry.indexOf(':'));
        }
        return isAddress(address) ? Optional.of(address) : Optional.empty();
    }

    /** True if {@code address} equals, or lies in, one of the {@code ranges} (addresses or CIDRs). */
    static boolean covered(String address, java.util.List<String> ranges) {
        byte[] target = InetAddress.ofLiteral(address).getAddress();
        for (String range : ranges) {
            int slash = range.indexOf('/');
            byte[] base = InetAddress.ofLiteral(slash < 0 ? range : range.substring(0, slash)).getAddress();
            if (base.length != target.length) {
                continue;
            }
            int bits = slash < 0 ? base.length * 8 : Integer.parseInt(range.substring(slash + 1));
            boolean inside = true;
            for (int i = 0; i < bits && inside; i++) {
                int mask = 0x80 >>> (i % 8);
                inside = (base[i / 8] & mask) == (target[i / 8] & mask);
            }
            if (inside) {
                return true;
            }
        }
        return false;
    }

    /** True for an IPv4 or IPv6 literal (parsed, never resolved). */
    static boolean isIpLiteral(String value) {
        if (IPV4.matcher(value).matches()) {
            return true;
        }
        if (!value.contains(":")) {
            return false;
        }
        try {
            InetAddress.ofLiteral(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** An IP address for ExtraHosts: dotted IPv4 or IPv6 (no brackets). */
    static boolean isAddress(String value) {
        try {
            if (IPV4.matcher(value).matches() || value.contains(":")) {
                InetAddress.ofLiteral(value);
                return true;
            }
        } catch (IllegalArgumentException e) {
            // not an address
        }
        return false;
    }

    /** An address or CIDR range for egress.allow_addresses. */
    static Optional<String> addressOrRange(String value) {
        String problem = "`" + value + "` is not an IP address or CIDR range; write e.g. 127.0.0.1, 10.0.0.0/8 or fd00::/8";
        int slash = value.indexOf('/');
        String address = slash < 0 ? value : value.substring(0, slash);
        if (!isAddress(address)) {
            return Optional.of(problem);
        }
        if (slash >= 0) {
            String bits = value.substring(slash + 1);
            int max = address.contains(":") ? 128 : 32;
            if (!DIGITS.matcher(bits).matches() || bits.length() > 3 || Integer.parseInt(bits) > max) {
                return Optional.of(problem);
            }
        }
        return Optional.empty();
    }

    static Optional<String> routePath(String path) {
        if (path.length() >= 2 && path.startsWith("/") && path.endsWith("/") && !path.contains("//")
                && !path.contains("?") && !path.contains("#") && !path.contains(" ")) {
            return Optional.empty();
        }
        if (path.equals("/")) {
            return Optional.of("`/` would route every request; give the route its own prefix like /anthropic/");
        }
        String suggestion = "/" + path.replaceAll("^/+|/+$", "") + "/";
        return Optional.of("`" + path + "` must start and end with `/`; write " + suggestion);
    }

    static Optional<String> httpsUpstream(String url) {
        String problem = "`" + url + "` must be an https:// URL with a host, like https://api.example.com";
        try {
            URI uri = new URI(url);
            if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                return Optional.of(problem);
            }
            if (uri.getRawUserInfo() != null) {
                return Optional.of("`" + url + "` must not carry credentials; the token comes from token_ref");
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                return Optional.of("`" + url + "` must not have a query or fragment; write only https://host[:port][/path]");
            }
            return hostname(uri.getHost().toLowerCase(Locale.ROOT)).map(p -> problem);
        } catch (URISyntaxException e) {
            return Optional.of(problem);
        }
    }

    static Optional<String> sshUpstream(String url) {
        String problem = "`" + url + "` is not an SSH URL; write ssh://git@host:22/owner/repo.git or git@host:owner/repo.git";
        if (url.startsWith("ssh://")) {
            try {
                URI uri = new URI(url);
                String path = uri.getPath();
                if (uri.getHost() == null || path == null || path.length() < 2) {
                    return Optional.of(problem);
                }
                return Optional.empty();
            } catch (URISyntaxException e) {
                return Optional.of(problem);
            }
        }
        if (url.contains("://")) {
            return Optional.of(problem);
        }
        Matcher scp = SCP_STYLE.matcher(url);
        if (scp.matches() && !scp.group(1).isEmpty() && !scp.group(2).startsWith(":")
                && (hostname(scp.group(1).toLowerCase(Locale.ROOT)).isEmpty() || isAddress(scp.group(1)))) {
            return Optional.empty();
        }
        return Optional.of(problem);
    }

    static boolean isKnownHostKey(String value) {
        return KNOWN_HOST_KEY.matcher(value.strip()).matches();
    }

    private static Optional<String> bareHost(String value) {
        try {
            return Optional.ofNullable(new URI(value.contains("://") ? value : "https://" + value).getHost());
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }
}
