package io.claudebottle.manifest;

import java.util.List;

/**
 * A bottle's own DLP additions: extra rules, and RE2 regexes whose matching secrets are dropped
 * from findings (known-harmless values).
 */
public record DlpPolicy(List<DlpRuleSpec> rules, List<String> allow) {
    public static final DlpPolicy NONE = new DlpPolicy(List.of(), List.of());

    public DlpPolicy {
        rules = List.copyOf(rules);
        allow = List.copyOf(allow);
    }
}
