package io.claudebottle.dlp;

import com.google.re2j.Pattern;

/**
 * A rule with its RE2J pattern, addressed by its index in the rule set; {@code lead} is non-null
 * when its matches provably start at keywords (see {@link KeywordLead}); {@code required} is
 * non-null when every match provably contains one of those chars (see {@link RequiredChars}).
 */
record CompiledRule(int index, Rule rule, Pattern pattern, KeywordLead lead, boolean[] required) {
    static CompiledRule of(int index, Rule rule) {
        return new CompiledRule(index, rule, Rule.compile(rule.regex()), KeywordLead.analyse(rule),
                RequiredChars.analyse(rule.regex()));
    }

    CompiledRule withIndex(int newIndex) {
        return new CompiledRule(newIndex, rule, pattern, lead, required);
    }
}
