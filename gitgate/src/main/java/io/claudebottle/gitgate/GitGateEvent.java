package io.claudebottle.gitgate;

import java.util.Map;

/**
 * One decision of the gate, for the bottle's audit log. Never carries a secret: findings are
 * described by rule, file, commit and a redacted excerpt.
 *
 * @param repo    the repo name ({@link GitGateRepo#name()})
 * @param action  {@code mirror}, {@code fetch} or {@code push}
 * @param outcome {@code ok}, {@code denied} (DLP or policy) or {@code error} (upstream failure)
 * @param detail  a one-line human explanation
 * @param fields  extra machine-readable fields (refs, rule ids, commits…)
 */
public record GitGateEvent(String repo, String action, String outcome, String detail, Map<String, Object> fields) {
    public GitGateEvent {
        fields = fields == null ? Map.of() : Map.copyOf(fields);
    }
}
