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
    /** The flag of {@code bottle start} that runs a bottle without the rule. */
    static final String ALLOW_FLAG = "--allow-host-reachable";

    private final List<String> iptables;

    HostFirewall() {
        this(List.of("iptables", "-w"));
    }

    /** {@code iptables}: the command and its leading arguments (tests substitute one that fails). */
    HostFirewall(List<String> iptables) {
        this.iptables = List.copyOf(iptables);
    }

    /**
     * Why the rule cannot be installed here (iptables missing, or not root / no CAP_NET_ADMIN), or
     * empty when it can. Checked before a bottle is created, so nothing half-isolated ever runs.
     */
    java.util.Optional<String> unavailable() {
        List<String> command = new ArrayList<>(iptables);
        command.addAll(List.of("-S", "INPUT"));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return java.util.Optional.of(String.join(" ", command) + " did not answer within 30 s");
            }
            return p.exitValue() == 0 ? java.util.Optional.empty()
                    : java.util.Optional.of(String.join(" ", command) + " failed: " + out.strip().lines().findFirst().orElse("exit " + p.exitValue()));
        } catch (IOException e) {
            return java.util.Optional.of("cannot run " + command.getFirst() + " (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while running iptables", e);
        }
    }

    /** The refusal when {@link #unavailable()} says why: what is not enforced, and the two fixes. */
    static String refusal(String why) {
        return "refusing to start: the host would be reachable from the bottle. The Docker backend makes the host"
                + " unreachable from a bottle's internal network with an iptables INPUT rule, and " + why + ". Without"
                + " it the agent can connect to anything listening on this host's own addresses (the bridge gateway,"
                + " docker0, eth0); egress to the internet and other bottles stays blocked. Fix: run as root (sudo), or"
                + " with CAP_NET_ADMIN and iptables installed (apt-get install iptables); or pass " + ALLOW_FLAG
                + " to start without this protection.";
    }

    /** The warning when a bottle runs without the rule because the user allowed it. */
    static String warning(String why) {
        return "WARNING: " + ALLOW_FLAG + ": the host is reachable from this bottle (" + why + "); services listening"
                + " on this host's addresses are exposed to the agent";
    }

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

    private String iptables(List<String> args, boolean required) {
        List<String> command = new ArrayList<>(iptables);
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
