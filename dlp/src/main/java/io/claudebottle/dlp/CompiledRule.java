package io.claudebottle.dlp;

import com.google.re2j.Pattern;

/**
 * A rule with its RE2J pattern, addressed by its index in the rule set; {@code lead} is non-null
 * when its matches provably start at keywords (see {@link KeywordLead}).
 */
record CompiledRule(int index, Rule rule, Pattern pattern, KeywordLead lead) {
    static CompiledRule of(int index, Rule rule) {
        return new CompiledRule(index, rule, Rule.compile(rule.regex()), KeywordLead.analyse(rule));
    }
}
