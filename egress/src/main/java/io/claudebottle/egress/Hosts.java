package io.claudebottle.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Host-name normalisation shared by the allowlist, the request checks and the CA. */
final class Hosts {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern DNS_NAME = Pattern.compile("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*");

    private Hosts() {}

    static String stripTrailingDot(String h) {
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /**
     * True for anything a resolver could take as an address rather than a name: IPv6, dotted
     * IPv4, and inet_aton forms such as {@code 2130706433}, {@code 127.1} or {@code 0x7f.1}
     * (the last label of a real DNS name is never numeric).
     */
    static boolean isIpLiteral(String h) {
        String s = unbracket(h);
        if (s.indexOf(':') >= 0) return true;
        String last = s.substring(s.lastIndexOf('.') + 1);
        return !last.isEmpty() && (last.chars().allMatch(Character::isDigit) || last.startsWith("0x"));
    }

    /** The address of a canonical literal (dotted quad or IPv6), or {@code null} for odd forms. */
    static InetAddress canonicalLiteral(String h) {
        String s = unbracket(h);
        if (s.indexOf(':') < 0 && !IPV4.matcher(s).matches()) return null;
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    static String unbracket(String h) {
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    /** Lower-case, no trailing dot, IPv6 without brackets; {@code null} if not a valid host. */
    static String normalize(String raw) {
        if (raw == null || raw.isEmpty()) return null;
        String h = stripTrailingDot(unbracket(raw.toLowerCase(Locale.ROOT)));
        if (h.isEmpty() || h.length() > 253) return null;
        if (h.indexOf(':') >= 0) {
            try {
                return InetAddress.getByName(h).getHostAddress();
            } catch (UnknownHostException e) {
                return null;
            }
        }
        return DNS_NAME.matcher(h).matches() ? h : null;
    }
}
