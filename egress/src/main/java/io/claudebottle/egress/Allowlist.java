package io.claudebottle.egress;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which {@code host:port} pairs may be reached. Entries: {@code host} (ports 443 and 80 only),
 * {@code host:port} (that port only), {@code *.domain} (any name below {@code domain}, not
 * {@code domain} itself, same port rules). Names compare case-insensitively, trailing dot ignored.
 */
final class Allowlist {
    private static final Pattern NAME = Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");

    private record Entry(String name, boolean wildcard, int port) {
        boolean matches(String host, int p) {
            boolean portOk = port == 0 ? (p == 443 || p == 80) : p == port;
            if (!portOk) return false;
            return wildcard ? host.endsWith("." + name) : host.equals(name);
        }
    }

    private final List<Entry> entries;

    private Allowlist(List<Entry> entries) {
        this.entries = entries;
    }

    /** Parses entries; a malformed one fails naming it and the accepted forms. */
    static Allowlist of(List<String> raw, String source) {
        return new Allowlist(raw.stream().map(e -> parse(e, source)).toList());
    }

    private static Entry parse(String raw, String source) {
        String e = raw.trim().toLowerCase(Locale.ROOT);
        int port = 0;
        int colon = e.lastIndexOf(':');
        if (colon > 0 && e.indexOf(':') == colon) {
            try {
                port = Integer.parseInt(e.substring(colon + 1));
            } catch (NumberFormatException ex) {
                port = -1;
            }
            if (port < 1 || port > 65535) throw bad(raw, source);
            e = e.substring(0, colon);
        }
        e = Hosts.stripTrailingDot(e);
        if (Hosts.isIpLiteral(e)) return new Entry(Hosts.normalize(e), false, port);
        if (!NAME.matcher(e).matches()) throw bad(raw, source);
        boolean wildcard = e.startsWith("*.");
        return new Entry(wildcard ? e.substring(2) : e, wildcard, port);
    }

    private static IllegalArgumentException bad(String raw, String source) {
        return new IllegalArgumentException(source + ": bad allowlist entry \"" + raw
                + "\"; use host, *.domain or host:port (port 1-65535)");
    }

    /** {@code host} must already be {@link Hosts#normalize normalized}. */
    boolean permits(String host, int port) {
        for (Entry e : entries) if (e.matches(host, port)) return true;
        return false;
    }
}
