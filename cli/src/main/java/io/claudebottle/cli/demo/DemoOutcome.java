package io.claudebottle.cli.demo;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Whether one protection held, and the evidence the demo shows for it. */
public record DemoOutcome(DemoScenario scenario, boolean held, List<String> evidence) {

    /**
     * What a run left behind to judge by. With {@code live} the model is real and its words prove
     * nothing: only the audit log, the fake upload host and the git upstream count.
     *
     * @param audit       the bottle's audit log, one JSON object per line
     * @param dnsAudited  whether this backend points the agent's resolver at the sidecar's DNS sink
     */
    public record Evidence(List<DemoScenario> scenarios, boolean live, FakeMessagesApi api, String demoToken,
                           String agentOutput, Map<String, String> refsBefore, Map<String, String> refsAfter,
                           DemoGitUpstream git, List<String> audit, List<String> canaryHits, boolean dnsAudited) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern SSE = Pattern.compile("sse first=(\\d+) last=(\\d+) events=(\\d+)");
    private static final Pattern BEFORE = Pattern.compile("before=([0-9a-f]{40})");
    private static final Pattern AFTER = Pattern.compile("after=([0-9a-f]{40})");

    /** Judges every step from what the fake upstreams and the audit log saw (and, offline, what the bottle printed). */
    public static List<DemoOutcome> judge(Evidence e) {
        List<JsonNode> audit = e.audit().stream().map(DemoOutcome::parse).flatMap(Optional::stream).toList();
        List<DemoOutcome> outcomes = new ArrayList<>();
        for (DemoScenario s : e.scenarios()) {
            List<String> evidence = new ArrayList<>();
            boolean held = e.live() ? live(s, e, audit, evidence) : scripted(s, e, audit, evidence);
            outcomes.add(new DemoOutcome(s, held, List.copyOf(evidence)));
        }
        return outcomes;
    }

    private static boolean scripted(DemoScenario s, Evidence e, List<JsonNode> audit, List<String> evidence) {
        FakeMessagesApi api = e.api();
        Optional<String> result = api.toolResult(s);
        boolean ran = result.isPresent() && s.looksRun(result.get()) && api.reply(s).isPresent();
        if (result.isEmpty()) {
            evidence.add("Claude Code never returned the tool_result for this step");
        } else if (!ran) {
            evidence.add("unexpected output: " + lastLines(result.get(), 3));
        }
        if (!ran) {
            return false;
        }
        String out = result.get();
        return switch (s) {
            case HELLO -> hello(api, e.demoToken(), e.agentOutput(), out, evidence);
            case OFF_ALLOWLIST -> {
                evidence.add("curl in the bottle: " + lastLines(out, 1));
                yield out.contains("connect=403") & offAllowlistAudited(audit, evidence);
            }
            case DLP_POST -> {
                evidence.add("curl in the bottle: " + lastLines(out, 2).replace('\n', ' '));
                yield out.contains("http=403") & dlpHeld(e, audit, evidence);
            }
            case GIT_PUSH -> {
                evidence.add("git push in the bottle: " + lastLines(out, 3).replace("\n", " | "));
                yield !out.contains("push-exit=0") & pushHeld(e, audit, evidence);
            }
            case CLONE_FETCH -> cloneFetch(e, out, audit, evidence);
            case LONG_SSE -> longSse(api, out, evidence);
            case BYPASS -> bypass(e, out, audit, evidence);
            case ISOLATION -> {
                long denied = count(audit, "egress", l -> "deny".equals(text(l, "decision"))
                        && DemoHosts.API.equals(text(l, "host")) && l.path("port").asInt() != e.api().port());
                evidence.add("curl in the bottle: " + out.strip().replace('\n', ' '));
                evidence.add("egress denials of the other bottle's API in this bottle's audit log: " + denied);
                yield out.contains("own http=200") && out.contains("peer connect=403") && denied > 0;
            }
        };
    }

    private static boolean live(DemoScenario s, Evidence e, List<JsonNode> audit, List<String> evidence) {
        return switch (s) {
            case HELLO -> {
                long answered = count(audit, "cred-proxy", l -> "forwarded".equals(text(l, "outcome"))
                        && DemoHosts.API.equals(text(l, "upstream")) && l.path("status").asInt() / 100 == 2);
                evidence.add("the cred-proxy forwarded " + answered + " request(s) to " + DemoHosts.API
                        + " with your token, answered 2xx (audit log)");
                evidence.add("Claude Code's environment held only the placeholder (the launch refuses a token in the agent's env)");
                yield answered > 0;
            }
            case OFF_ALLOWLIST -> offAllowlistAudited(audit, evidence);
            case DLP_POST -> dlpHeld(e, audit, evidence);
            case GIT_PUSH -> pushHeld(e, audit, evidence);
            default -> {
                evidence.add("not part of the live demo");
                yield false;
            }
        };
    }

    private static boolean offAllowlistAudited(List<JsonNode> audit, List<String> evidence) {
        long denied = count(audit, "egress", l -> "deny".equals(text(l, "decision")) && DemoHosts.BLOCKED.equals(text(l, "host")));
        evidence.add("egress denials of " + DemoHosts.BLOCKED + " in the audit log: " + denied);
        return denied > 0;
    }

    private static boolean dlpHeld(Evidence e, List<JsonNode> audit, List<String> evidence) {
        long denied = count(audit, "egress", l -> "deny".equals(text(l, "decision")) && "dlp".equals(text(l, "reason"))
                && DemoHosts.UPLOADS.equals(text(l, "host")));
        evidence.add("DLP denials in the audit log: " + denied + " (rule "
                + audit.stream().filter(l -> "dlp".equals(text(l, "reason"))).map(l -> text(l, "rule")).findFirst().orElse("-") + ")");
        evidence.add("requests that reached the upload host: " + e.api().uploadsReceived().size());
        return denied > 0 && e.api().uploadsReceived().isEmpty();
    }

    private static boolean pushHeld(Evidence e, List<JsonNode> audit, List<String> evidence) {
        long denied = count(audit, "git-gate", l -> "push".equals(text(l, "action")) && "denied".equals(text(l, "outcome")));
        boolean unchanged = e.refsBefore().keySet().equals(e.refsAfter().keySet()) && e.git().onlyOwnCommits(e.refsAfter());
        evidence.add("git-gate push denials in the audit log: " + denied + audit.stream()
                .filter(l -> "denied".equals(text(l, "outcome"))).map(l -> " (" + text(l, "detail") + ")").findFirst().orElse(""));
        evidence.add("upstream " + (unchanged ? "holds only its own commits: " + e.refsAfter()
                : "CHANGED: " + e.refsBefore() + " -> " + e.refsAfter()));
        return denied > 0 && unchanged;
    }

    private static boolean cloneFetch(Evidence e, String out, List<JsonNode> audit, List<String> evidence) {
        Matcher before = BEFORE.matcher(out);
        Matcher after = AFTER.matcher(out);
        long refreshed = count(audit, "git-gate", l -> "fetch".equals(text(l, "action")) && "ok".equals(text(l, "outcome")));
        if (!before.find() || !after.find()) {
            evidence.add("no commit ids in the output: " + lastLines(out, 3));
            return false;
        }
        String upstreamMain = e.refsAfter().get("refs/heads/main");
        evidence.add("cloned " + before.group(1).substring(0, 10) + ", fetched " + after.group(1).substring(0, 10)
                + " after the upstream moved on to " + String.valueOf(upstreamMain).substring(0, 10));
        evidence.add("git-gate refreshes from the upstream in the audit log: " + refreshed);
        return !before.group(1).equals(after.group(1)) && after.group(1).equals(upstreamMain) && refreshed >= 2;
    }

    private static boolean longSse(FakeMessagesApi api, String out, List<String> evidence) {
        Matcher m = SSE.matcher(out);
        if (!m.find()) {
            evidence.add("no SSE timing in the output: " + lastLines(out, 2));
            return false;
        }
        long first = Long.parseLong(m.group(1));
        int events = Integer.parseInt(m.group(3));
        long finished = api.sseFinishedMillis();
        long spread = finished - api.sseStartedMillis();
        evidence.add(events + " of " + FakeMessagesApi.SSE_EVENTS + " events arrived; the upstream streamed for " + spread
                + " ms; the first reached the bottle " + (finished - first) + " ms before the upstream's last");
        // unbuffered: the first event is in the bottle long before the upstream has sent the last one
        return events == FakeMessagesApi.SSE_EVENTS && finished > 0 && first < finished - spread / 2;
    }

    private static boolean bypass(Evidence e, String out, List<JsonNode> audit, List<String> evidence) {
        List<String> worked = BypassProbe.failures(out);
        long attempts = out.lines().filter(l -> l.matches("(direct|dns|sidecar|token in) .*")).count();
        evidence.add(attempts + " attempts, " + (worked.isEmpty() ? "all failed" : "these WORKED: " + worked));
        evidence.add("dialled directly, without the proxy: " + out.lines().filter(l -> l.startsWith("direct "))
                .map(l -> l.substring("direct ".length()).replaceFirst(" code=.*", "")).collect(java.util.stream.Collectors.joining(", ")));
        evidence.add("connections that reached this machine's canary listener: " + e.canaryHits().size()
                + (e.canaryHits().isEmpty() ? "" : " " + e.canaryHits()));
        boolean noToken = !out.contains(e.demoToken()) && !e.agentOutput().contains(e.demoToken());
        long refused = count(audit, "cred-proxy", l -> "refused".equals(text(l, "outcome")));
        evidence.add("cred-proxy refusals in the audit log: " + refused);
        boolean dnsOk = true;
        if (e.dnsAudited()) {
            long dns = count(audit, "dns", l -> "deny".equals(text(l, "decision")) && "example.com".equals(text(l, "name")));
            evidence.add("DNS sink refusals of example.com in the audit log: " + dns);
            dnsOk = dns > 0;
        }
        return attempts >= 8 && worked.isEmpty() && e.canaryHits().isEmpty() && noToken && refused > 0 && dnsOk;
    }

    private static boolean hello(FakeMessagesApi api, String demoToken, String agentOutput, String env,
                                 List<String> evidence) {
        List<String> seen = api.credentialsSeen();
        boolean upstreamGotToken = !seen.isEmpty() && seen.stream().allMatch(c -> c.equals("Bearer " + demoToken));
        boolean agentHadPlaceholder = env.contains("CLAUDE_CODE_OAUTH_TOKEN holds the cred-proxy placeholder")
                && !env.contains("SOMETHING ELSE") && !env.contains(demoToken);
        boolean neverPrinted = !agentOutput.contains(demoToken);
        evidence.add("the fake Messages API got the demo token on " + seen.size() + " request(s)"
                + (upstreamGotToken ? "" : "; it saw: " + seen));
        evidence.add("Claude Code's environment held " + (agentHadPlaceholder ? "only the placeholder" : "something else: " + env.strip()));
        evidence.add("the reply came back: \"" + api.reply(DemoScenario.HELLO).flatMap(r -> r.lines().findFirst()).orElse("") + "\"");
        return upstreamGotToken && agentHadPlaceholder && neverPrinted;
    }

    private static long count(List<JsonNode> audit, String service, Predicate<JsonNode> match) {
        return audit.stream().filter(l -> service.equals(text(l, "service"))).filter(match).count();
    }

    private static String text(JsonNode line, String field) {
        return line.path(field).asString("");
    }

    private static Optional<JsonNode> parse(String line) {
        try {
            return line.isBlank() ? Optional.empty() : Optional.of(JSON.readTree(line));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String lastLines(String text, int n) {
        List<String> lines = text.strip().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
}
