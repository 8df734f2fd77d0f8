package io.claudebottle.dlp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Proof, from the regex text, that every match of a rule starts at most {@link #lead} characters
 * before an occurrence of one of its keywords: the regex begins (after {@code (?i)} and an optional
 * {@code \b}) with literals, or a group of literal alternatives, that always spell a keyword.
 * Such a rule is confirmed by trying RE2J anchored at each keyword occurrence over a bounded
 * window, instead of searching whole regions: the cost follows the keyword hits, not the text.
 * Rules whose regex does not fit this shape get null and keep the region search.
 *
 * @param lead         the largest distance from a match's start to the keyword inside it
 * @param wordBoundary the regex starts with {@code \b} (checked against the char before the window)
 * @param keywords     the rule's keywords, lower case
 * @param prefixes     lower case: every match starts with one of them (ASCII case-insensitively)
 */
record KeywordLead(int lead, boolean wordBoundary, char[][] keywords, char[][] prefixes, long[] firstChars) {
    private static final int MAX_EXPANSIONS = 512;

    KeywordLead(int lead, boolean wordBoundary, char[][] keywords, char[][] prefixes) {
        this(lead, wordBoundary, keywords, prefixes, firstCharBits(keywords));
    }

    /** Bit set over ASCII of the chars (either case) a keyword can start with. */
    private static long[] firstCharBits(char[][] keywords) {
        long[] bits = new long[2];
        for (char[] k : keywords) {
            char c = k[0];
            if (c >= 128) continue;
            bits[c >>> 6] |= 1L << c;
            char upper = Character.toUpperCase(c);
            if (upper < 128) bits[upper >>> 6] |= 1L << upper;
        }
        return bits;
    }

    /** Null unless every match of {@code rule} provably starts within a bounded lead of a keyword. */
    static KeywordLead analyse(Rule rule) {
        if (rule.keywords().isEmpty()) return null;
        String re = rule.regex();
        if (hasUnsafeAnchor(re)) return null;
        int i = 0;
        if (re.startsWith("(?i)")) i = 4;
        boolean wordBoundary = re.startsWith("\\b", i);
        if (wordBoundary) i += 2;
        List<String> expansions;
        if (re.startsWith("(?:", i)) {
            int close = groupEnd(re, i);
            if (close < 0 || close + 1 < re.length() && "?*{".indexOf(re.charAt(close + 1)) >= 0) return null;
            expansions = new ArrayList<>();
            for (String alternative : splitTopLevel(re.substring(i + 3, close))) {
                List<String> e = expandPrefix(alternative);
                if (e == null) return null;
                expansions.addAll(e);
            }
        } else {
            expansions = expandPrefix(re.substring(i));
        }
        if (expansions == null || expansions.isEmpty() || expansions.size() > MAX_EXPANSIONS) return null;
        int lead = 0;
        for (String e : expansions) {
            String lower = e.toLowerCase(Locale.ROOT);
            int first = Integer.MAX_VALUE;
            for (String k : rule.keywords()) {
                int at = lower.indexOf(k);
                if (at >= 0) first = Math.min(first, at);
            }
            if (first == Integer.MAX_VALUE) return null;
            if (wordBoundary && (e.isEmpty() || !isWordChar(e.charAt(0)))) return null;
            lead = Math.max(lead, first);
        }
        char[][] keywords = rule.keywords().stream().map(String::toCharArray).toArray(char[][]::new);
        char[][] prefixes = expansions.stream().map(e -> e.toLowerCase(Locale.ROOT)).distinct().map(String::toCharArray)
                .toArray(char[][]::new);
        return new KeywordLead(lead, wordBoundary, keywords, prefixes);
    }

    /**
     * {@code ^}, {@code $} or {@code \A} would match at the edge of a window although the text
     * goes on; such rules keep the region search. ({@code \z} only matches at a window's end, and a
     * match that reaches a window's end inside the line is never reported, so it is harmless.)
     */
    private static boolean hasUnsafeAnchor(String re) {
        boolean inClass = false;
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\') {
                if (!inClass && i + 1 < re.length() && re.charAt(i + 1) == 'A') return true;
                i++;
            } else if (c == '[') {
                inClass = true;
            } else if (c == ']') {
                inClass = false;
            } else if ((c == '^' || c == '$') && !inClass) {
                return true;
            }
        }
        return false;
    }

    private static int groupEnd(String re, int open) {
        int depth = 0;
        boolean inClass = false;
        for (int i = open; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\') i++;
            else if (c == '[') inClass = true;
            else if (c == ']') inClass = false;
            else if (!inClass && c == '(') depth++;
            else if (!inClass && c == ')' && --depth == 0) return i;
        }
        return -1;
    }

    /** Alternatives of a group body; null-free, nested groups stay inside their alternative. */
    private static List<String> splitTopLevel(String body) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        boolean inClass = false;
        int from = 0;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\') i++;
            else if (c == '[') inClass = true;
            else if (c == ']') inClass = false;
            else if (!inClass && c == '(') depth++;
            else if (!inClass && c == ')') depth--;
            else if (!inClass && depth == 0 && c == '|') {
                out.add(body.substring(from, i));
                from = i + 1;
            }
        }
        out.add(body.substring(from));
        return out;
    }

    /**
     * Every string the regex's leading run of literal atoms can spell, up to the first atom that is
     * not a literal, a class of literals, or such an atom made optional by {@code ?}. Null if the
     * expansions explode.
     */
    private static List<String> expandPrefix(String re) {
        List<String> out = new ArrayList<>(List.of(""));
        int i = 0;
        while (i < re.length()) {
            String choices;
            int next;
            char c = re.charAt(i);
            if (c == '\\' && i + 1 < re.length() && isEscapedLiteral(re.charAt(i + 1))) {
                choices = String.valueOf(re.charAt(i + 1));
                next = i + 2;
            } else if (c == '[') {
                int close = re.indexOf(']', i + 1);
                if (close < 0) break;
                choices = classChoices(re.substring(i + 1, close));
                if (choices == null) break;
                next = close + 1;
            } else if (isPlainLiteral(c)) {
                choices = String.valueOf(c);
                next = i + 1;
            } else {
                break;
            }
            boolean optional = false;
            if (next < re.length()) {
                char q = re.charAt(next);
                if (q == '*' || q == '+' || q == '{') break; // a repeated atom: the fixed prefix ends before it
                if (q == '?') {
                    optional = true;
                    next++;
                    if (next < re.length() && (re.charAt(next) == '?' || re.charAt(next) == '+')) break;
                }
            }
            List<String> grown = new ArrayList<>();
            for (String prefix : out) {
                if (optional) grown.add(prefix);
                for (int k = 0; k < choices.length(); k++) grown.add(prefix + choices.charAt(k));
            }
            if (grown.size() > MAX_EXPANSIONS) return null;
            out = grown;
            i = next;
        }
        return out;
    }

    /** The chars of a class made only of literal chars (no ranges, negation or escapes), else null. */
    private static String classChoices(String body) {
        if (body.isEmpty() || body.charAt(0) == '^') return null;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\' || (c == '-' && i > 0 && i < body.length() - 1) || c == '[') return null;
            b.append(c);
        }
        return b.toString();
    }

    private static boolean isPlainLiteral(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || "_-:/=@&\"'# ,;!%<>~`".indexOf(c) >= 0);
    }

    private static boolean isEscapedLiteral(char c) {
        return ".-/$^*+?()[]{}|\\\"'#:=@&~".indexOf(c) >= 0;
    }

    static boolean isWordChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
    }

    /** The first offset in {@code [from, to)} where one of the keywords starts (ASCII case-insensitive), or -1. */
    int nextKeyword(String text, int from, int to) {
        long[] first = firstChars;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c >= 128 || (first[c >>> 6] & (1L << c)) == 0) continue;
            c = lower(c);
            for (char[] k : keywords) {
                if (k[0] != c || i + k.length > text.length()) continue;
                int j = 1;
                while (j < k.length && lower(text.charAt(i + j)) == k[j]) j++;
                if (j == k.length) return i;
            }
        }
        return -1;
    }

    /** Whether a match may start at {@code p}: one of the literal prefixes every match starts with is there. */
    boolean mayStartAt(String text, int p) {
        for (char[] prefix : prefixes) {
            if (p + prefix.length > text.length()) continue;
            int j = 0;
            while (j < prefix.length && lower(text.charAt(p + j)) == prefix[j]) j++;
            if (j == prefix.length) return true;
        }
        return false;
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }
}
