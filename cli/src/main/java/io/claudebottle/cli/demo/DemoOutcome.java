package io.claudebottle.cli.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Whether one protection held, and the evidence the demo shows for it. */
public record DemoOutcome(DemoScenario scenario, boolean held, List<String> evidence) {

    /** Judges every step from what the fake upstreams saw and what the bottle printed. */
    public static List<DemoOutcome> judge(FakeMessagesApi api, String demoToken, String agentOutput,
                                          Map<String, String> refsBefore, Map<String, String> refsAfter) {
        List<DemoOutcome> outcomes = new ArrayList<>();
        for (DemoScenario s : DemoScenario.values()) {
            Optional<String> result = api.toolResult(s);
            List<String> evidence = new ArrayList<>();
            boolean ran = result.isPresent() && s.looksRun(result.get()) && api.reply(s).isPresent();
            if (result.isEmpty()) {
                evidence.add("Claude Code never returned the tool_result for this step");
            }
            boolean held = ran && switch (s) {
                case HELLO -> hello(api, demoToken, agentOutput, result.get(), evidence);
                case OFF_ALLOWLIST -> {
                    evidence.add("curl in the bottle: " + lastLines(result.get(), 1));
                    yield result.get().contains("connect=403");
                }
                case DLP_POST -> {
                    evidence.add("curl in the bottle: " + lastLines(result.get(), 2).replace('\n', ' '));
                    evidence.add("requests that reached the upload host: " + api.uploadsReceived().size());
                    yield result.get().contains("http=403") && api.uploadsReceived().isEmpty();
                }
                case GIT_PUSH -> {
                    evidence.add("git push in the bottle: " + lastLines(result.get(), 3).replace("\n", " | "));
                    boolean unchanged = refsBefore.equals(refsAfter);
                    evidence.add("upstream refs " + (unchanged ? "unchanged: " + refsAfter : "CHANGED: " + refsBefore + " -> " + refsAfter));
                    yield !result.get().contains("push-exit=0") && unchanged;
                }
            };
            if (result.isPresent() && !ran) {
                evidence.add("unexpected output: " + lastLines(result.get(), 3));
            }
            outcomes.add(new DemoOutcome(s, held, List.copyOf(evidence)));
        }
        return outcomes;
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

    private static String lastLines(String text, int n) {
        List<String> lines = text.strip().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
}
