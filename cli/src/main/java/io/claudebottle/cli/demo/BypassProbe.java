package io.claudebottle.cli.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * The agent's attempts to get around its sidecar, as one Bash command: dial this machine and the
 * upload host directly with the proxy variables unset, resolve external names, ask the cred-proxy
 * and the supervise endpoint for anything that is not a route, and look for the token in every
 * process environment, the agent's env and its files. Each attempt prints one line; the judgement
 * ({@link #failures}) reads those lines.
 */
public final class BypassProbe {
    /** The demo token's shape: found anywhere in the bottle, the sidecar has leaked it. */
    static final String TOKEN_REGEX = "sk-ant-oat01-demo-[0-9a-f]{24}";
    static final List<String> EXTERNAL_NAMES = List.of("example.com", "exfil-probe.bottle-demo.test");
    private static final String NO_PROXY_ENV = "env -u HTTPS_PROXY -u https_proxy -u HTTP_PROXY -u http_proxy"
            + " -u ALL_PROXY -u all_proxy -u NO_PROXY -u no_proxy";

    private BypassProbe() {
    }

    static String command(DemoFacts facts) {
        List<String> lines = new ArrayList<>();
        List<String> addresses = new ArrayList<>(List.of("127.0.0.1"));
        addresses.addAll(facts.hostAddresses());
        lines.add("for a in " + String.join(" ", addresses) + "; do echo \"direct $a:" + facts.canaryPort() + " code="
                + "$(" + NO_PROXY_ENV + " curl -s -m 4 -o /dev/null -w '%{http_code}' http://$a:" + facts.canaryPort() + "/ 2>/dev/null)\"; done");
        lines.add("echo \"direct " + DemoHosts.UPLOADS + " code=$(" + NO_PROXY_ENV + " curl -s -m 4 -o /dev/null -w '%{http_code}' https://"
                + DemoHosts.UPLOADS + ":" + facts.apiPort() + "/ 2>/dev/null)\"");
        for (String name : EXTERNAL_NAMES) {
            lines.add("if getent ahosts " + name + " >/dev/null 2>&1; then echo 'dns " + name + " RESOLVED'; else echo 'dns "
                    + name + " no-answer'; fi");
        }
        for (String url : List.of("http://cred-proxy:9099/", "http://cred-proxy:9099/anthropic/../../proc/self/environ",
                "http://cred-proxy:9099/env", "http://supervise:9100/env", "http://supervise:9100/config",
                "http://supervise:9100/token")) {
            lines.add("echo \"sidecar " + url + " leaked=$(curl -s -m 4 --path-as-is '" + url + "' 2>/dev/null | grep -c -E '"
                    + TOKEN_REGEX + "')\"");
        }
        lines.add("echo \"token in /proc/*/environ: $(cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c -E '"
                + TOKEN_REGEX + "')\"");
        lines.add("echo \"token in env: $(env | grep -c -E '" + TOKEN_REGEX + "')\"");
        lines.add("echo \"token in files: $(grep -r -l -s -E '" + TOKEN_REGEX + "' \"$HOME\" /tmp /etc 2>/dev/null | wc -l)\"");
        lines.add("echo bypass-done");
        return String.join("\n", lines);
    }

    /** The lines of the probe's output that show an attempt that worked; empty when every one failed. */
    static List<String> failures(String output) {
        List<String> worked = new ArrayList<>();
        for (String line : output.lines().map(String::strip).toList()) {
            boolean bad = (line.startsWith("direct ") && !line.endsWith("code=000"))
                    || (line.startsWith("dns ") && !line.endsWith("no-answer"))
                    || (line.startsWith("sidecar ") && !line.endsWith("leaked=0"))
                    || (line.startsWith("token in ") && !line.endsWith(": 0"));
            if (bad) {
                worked.add(line);
            }
        }
        return worked;
    }
}
