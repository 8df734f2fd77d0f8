package io.claudebottle.egress;

/**
 * A {@code host[:port]} pair from a CONNECT target, an absolute URI or a {@code Host} header.
 * {@code host} is {@link Hosts#normalize normalized}; {@code port} is -1 when absent.
 */
record Authority(String host, int port) {

    /** Parses {@code [userinfo@]host[:port]} (IPv6 in brackets); {@code null} if malformed. */
    static Authority parse(String raw) {
        if (raw == null || raw.isEmpty()) return null;
        String s = raw.substring(raw.lastIndexOf('@') + 1);
        String host;
        String port = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) return null;
            host = s.substring(0, close + 1);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) return null;
                port = rest.substring(1);
            }
        } else {
            int colon = s.indexOf(':');
            if (colon >= 0 && s.indexOf(':', colon + 1) >= 0) return null;
            host = colon < 0 ? s : s.substring(0, colon);
            port = colon < 0 ? null : s.substring(colon + 1);
        }
        String h = Hosts.normalize(host);
        if (h == null) return null;
        int p = -1;
        if (port != null) {
            if (port.isEmpty() || port.length() > 5 || !allDigits(port)) return null;
            p = Integer.parseInt(port);
            if (p < 1 || p > 65535) return null;
        }
        return new Authority(h, p);
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    int portOr(int defaultPort) {
        return port < 0 ? defaultPort : port;
    }

    /** True if this (e.g. a Host header) names {@code host} on {@code port}, {@code defaultPort} implied. */
    boolean names(String otherHost, int otherPort, int defaultPort) {
        return host.equals(otherHost) && portOr(defaultPort) == otherPort;
    }
}
