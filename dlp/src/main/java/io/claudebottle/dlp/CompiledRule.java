package io.claudebottle.dlp;

import com.google.re2j.Pattern;

import java.util.ArrayList;
import java.util.List;

/**
 * A rule with its RE2J pattern, addressed by its index in the rule set; {@code lead} is non-null
 * when its matches provably start at keywords (see {@link KeywordLead}); {@code required} is
 * non-null when every match provably contains one of those chars (see {@link RequiredChars}).
 */
final class CompiledRule {
    private final int index;
    private final Rule rule;
    /** Compiled on first use (racy but idempotent: patterns are immutable). */
    private Pattern pattern;
    private final KeywordLead lead;
    private final boolean[] required;
    /** The pattern behind {@code ^}, compiled on first use (racy but idempotent: patterns are immutable). */
    private Pattern anchored;
    /**
     * The lead's literal prefixes by their first char (ASCII, lower case; index 128: the others),
     * or null when any start may do: a start is checked against the few prefixes that can fit
     * instead of all of them (up to 512), which a line of repeated keywords did at every offset.
     */
    private final char[][][] prefixesByFirst;

    private CompiledRule(int index, Rule rule, Pattern pattern, KeywordLead lead, boolean[] required) {
        this.index = index;
        this.rule = rule;
        this.pattern = pattern;
        this.lead = lead;
        this.required = required;
        this.prefixesByFirst = byFirstChar(lead);
    }

    private static char[][][] byFirstChar(KeywordLead lead) {
        if (lead == null || lead.prefixes() == null) return null;
        List<List<char[]>> buckets = new ArrayList<>();
        for (int c = 0; c <= 128; c++) buckets.add(new ArrayList<>());
        for (char[] prefix : lead.prefixes()) {
            if (prefix.length == 0) return null; // the empty prefix: every start may do
            buckets.get(Math.min(prefix[0], 128)).add(prefix);
        }
        char[][][] out = new char[129][][];
        for (int c = 0; c <= 128; c++) if (!buckets.get(c).isEmpty()) out[c] = buckets.get(c).toArray(char[][]::new);
        return out;
    }

    /** {@link KeywordLead#mayStartAt}, looking only at the prefixes that start with the char at {@code p}. */
    boolean mayStartAt(String text, int p) {
        if (prefixesByFirst == null || p >= text.length()) return lead.mayStartAt(text, p);
        char c = text.charAt(p);
        char[][] candidates = prefixesByFirst[c < 128 ? (c >= 'A' && c <= 'Z' ? c + 32 : c) : 128];
        if (candidates == null) return false;
        for (char[] prefix : candidates) {
            if (KeywordLead.hasPrefixAt(text, p, prefix)) return true;
        }
        return false;
    }

    static CompiledRule of(int index, Rule rule) {
        RuleCache.Analysis a = RuleCache.analysisOf(rule);
        if (a == null) a = RuleCache.Analysis.of(rule);
        return new CompiledRule(index, rule, null, a.lead(), a.required());
    }

    CompiledRule withIndex(int newIndex) {
        return new CompiledRule(newIndex, rule, pattern, lead, required);
    }

    int index() {
        return index;
    }

    Rule rule() {
        return rule;
    }

    /** The rule's pattern, compiled on first use: a start-up compiles none of them. */
    Pattern pattern() {
        Pattern p = pattern;
        if (p == null) pattern = p = Rule.compile(rule.regex());
        return p;
    }

    KeywordLead lead() {
        return lead;
    }

    boolean[] required() {
        return required;
    }

    /**
     * The rule's pattern for anchored attempts. RE2J's {@code lookingAt} keeps reading to the end of
     * its input after every thread has died, unless the program itself starts with {@code ^}: with
     * it, a failed attempt costs the chars up to where it failed, not the whole window.
     */
    Pattern anchored() {
        Pattern p = anchored;
        if (p == null) anchored = p = Pattern.compile("^(?:" + rule.regex() + ")");
        return p;
    }
}
