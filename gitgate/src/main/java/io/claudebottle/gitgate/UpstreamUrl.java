package io.claudebottle.gitgate;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An upstream in either spelling git accepts for SSH: {@code ssh://[user@]host[:port]/path} or
 * scp-style {@code [user@]host:path}.
 *
 * @param user     user name, empty if none
 * @param host     host name or IP literal (IPv6 without brackets)
 * @param port     port, or -1 for the default
 * @param path     the path as written, without a leading {@code /} for scp-style relative paths
 * @param original the upstream exactly as configured
 */
record UpstreamUrl(String user, String host, int port, String path, String original) {

    private static final Pattern SSH_URL = Pattern.compile(
            "ssh://(?:([^@/]+)@)?(\\[[0-9a-fA-F:.]+]|[^:/\\[\\]]+)(?::(\\d{1,5}))?(/.*)");
    private static final Pattern SCP = Pattern.compile(
            "(?:([^@/:]+)@)?(\\[[0-9a-fA-F:.]+]|[^:/\\[\\]]+):(?!//)(.+)");

    static UpstreamUrl parse(String upstream) {
        String s = upstream.strip();
        Matcher m = SSH_URL.matcher(s);
        if (m.matches()) {
            int port = m.group(3) == null ? -1 : Integer.parseInt(m.group(3));
            if (port == 0 || port > 65535) throw invalid(upstream);
            return new UpstreamUrl(nz(m.group(1)), unbracket(m.group(2)), port, m.group(4), s);
        }
        if (!s.contains("://")) {
            m = SCP.matcher(s);
            if (m.matches()) return new UpstreamUrl(nz(m.group(1)), unbracket(m.group(2)), -1, m.group(3), s);
        }
        throw invalid(upstream);
    }

    /**
     * Every spelling an agent may use for this upstream, for {@code insteadOf}: the ssh:// form and,
     * when the port is the default, the scp-style form (scp-style cannot carry a port).
     */
    List<String> spellings() {
        List<String> out = new ArrayList<>();
        out.add(original);
        String userAt = user.isEmpty() ? "" : user + "@";
        String absPath = path.startsWith("/") ? path : "/" + path;
        String sshForm = "ssh://" + userAt + bracket(host) + (port == -1 ? "" : ":" + port) + absPath;
        if (!out.contains(sshForm)) out.add(sshForm);
        if (port == -1 || port == 22) {
            String sshNoPort = "ssh://" + userAt + bracket(host) + absPath;
            if (!out.contains(sshNoPort)) out.add(sshNoPort);
            String scpForm = userAt + bracket(host) + ":" + (path.startsWith("/") ? path.substring(1) : path);
            if (!out.contains(scpForm)) out.add(scpForm);
        }
        return out;
    }

    private static IllegalArgumentException invalid(String upstream) {
        return new IllegalArgumentException("upstream '" + upstream
                + "' is not an SSH git URL; write ssh://user@host[:port]/path or user@host:path");
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String unbracket(String host) {
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    private static String bracket(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
