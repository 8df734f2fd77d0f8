package io.claudebottle.dlp;

import com.google.re2j.Pattern;

/** A rule with its RE2J pattern, addressed by its index in the rule set. */
record CompiledRule(int index, Rule rule, Pattern pattern) {
    static CompiledRule of(int index, Rule rule) {
        return new CompiledRule(index, rule, Pattern.compile(rule.regex()));
    }
}
