package io.claudebottle.backend.docker;

import io.claudebottle.backend.BackendException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes the host unreachable from a bottle's internal bridge (DESIGN §3.1): Docker's {@code
 * --internal} only stops forwarding, while packets to the host's own addresses (gateway, docker0,
 * eth0) arrive on the bridge and are delivered locally. One {@code INPUT} drop rule per bridge,
 * tagged with the bottle id so that teardown and {@code gc} find it.
 */
final class HostFirewall {

    static final String COMMENT_PREFIX = "claude-bottle:";
    private static final Pattern RULE_COMMENT = Pattern.compile("--comment \"?" + Pattern.quote(COMMENT_PREFIX) + "([^\" ]+)\"?");

    void isolate(String bridge, String bottleId) {
        iptables(List.of("-I", "INPUT", "1", "-i", bridge, "-m", "comment", "--comment", COMMENT_PREFIX + bottleId,
                "-j", "DROP"), true);
    }

    /** Removes every rule tagged with the bottle id (there is normally exactly one). */
    void release(String bottleId) {
        for (String rule : rules()) {
            Matcher m = RULE_COMMENT.matcher(rule);
            if (m.find() && m.group(1).equals(bottleId)) {
                List<String> delete = new ArrayList<>(tokens(rule));
                delete.set(0, "-D");
                iptables(delete, false);
            }
        }
    }

    /** Bottle ids that still have a rule. */
    List<String> taggedBottles() {
        List<String> ids = new ArrayList<>();
        for (String rule : rules()) {
            Matcher m = RULE_COMMENT.matcher(rule);
            if (m.find()) {
                ids.add(m.group(1));
            }
        }
        return ids;
    }

    private List<String> rules() {
        return iptables(List.of("-S", "INPUT"), false).lines()
                .filter(l -> l.contains(COMMENT_PREFIX)).toList();
    }

    private static List<String> tokens(String rule) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(rule);
        while (m.find()) {
            out.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return out;
    }

    private static String iptables(List<String> args, boolean required) {
        List<String> command = new ArrayList<>();
        command.add("iptables");
        command.add("-w");
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BackendException("iptables did not answer within 30 s");
            }
            if (p.exitValue() != 0 && required) {
                throw new BackendException("cannot make the host unreachable from the bottle: " + String.join(" ", command)
                        + " failed: " + out.strip() + " (the Docker backend needs root, or CAP_NET_ADMIN, on the host)");
            }
            return p.exitValue() == 0 ? out : "";
        } catch (IOException e) {
            if (required) {
                throw new BackendException("cannot run iptables (" + e.getMessage() + "); install it (apt-get install"
                        + " iptables) — without it the host would be reachable from the bottle", e);
            }
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while running iptables", e);
        }
    }
}
