package io.claudebottle.dlp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Proof, from the regex text, that every match of a rule starts at most {@link #lead} characters
 * before an occurrence of one of its keywords: the regex begins (after {@code (?i)} and an optional
 * {@code \b}) with atoms of bounded width — literals, classes, groups of literal alternatives,
 * each at most {@code {m,n}} times — followed by literals that always spell a keyword.
 * Such a rule is confirmed by trying RE2J anchored at each keyword occurrence over a bounded
 * window, instead of searching whole regions: the cost follows the keyword hits, not the text.
 * Rules whose regex does not fit this shape get null and keep the region search.
 *
 * @param lead         the largest distance from a match's start to the keyword inside it
 * @param wordBoundary the regex starts with {@code \b} (checked against the char before the window)
 * @param prefixes     lower case: every match starts with one of them (ASCII case-insensitively);
 *                     null when the regex starts with classes or repeats (then {@code before} holds)
 * @param before       when {@code prefixes} is null: every char a match can hold before its keyword
 *                     (ASCII; letters in both cases), so a start needs only such chars up to the keyword
 */
record KeywordLead(int lead, boolean wordBoundary, char[][] prefixes, boolean[] before) {
    private static final int MAX_EXPANSIONS = 512;
    /** Largest {@code {m,n}} bound taken as a bounded lead (a bigger one keeps the region search). */
    private static final int MAX_REPEAT = 256;

    /** Null unless every match of {@code rule} provably starts within a bounded lead of a keyword. */
    static KeywordLead analyse(Rule rule) {
        if (rule.keywords().isEmpty()) return null;
        String re = rule.regex();
        if (hasUnsafeAnchor(re)) return null;
        int i = 0;
        if (re.startsWith("(?i)")) i = 4;
        boolean wordBoundary = re.startsWith("\\b", i);
        if (wordBoundary) i += 2;
        // Literal expansions since the last wide atom; the width and chars of everything before them.
        List<String> expansions = new ArrayList<>(List.of(""));
        int wideWidth = 0;
        boolean[] before = null;
        boolean firstAtomWordOnly = false;
        for (int start = i; i < re.length(); ) {
            Atom atom = Atom.parse(re, i);
            if (atom == null) break;
            if (i == start) firstAtomWordOnly = atom.min() > 0 && wordCharsOnly(atom.chars());
            if (atom.literals() != null && atom.max() == 1) {
                List<String> grown = new ArrayList<>();
                for (String prefix : expansions) {
                    if (atom.min() == 0) grown.add(prefix);
                    for (String l : atom.literals()) grown.add(prefix + l);
                }
                if (grown.size() > MAX_EXPANSIONS) break;
                expansions = grown;
                i = atom.end();
                if (!atom.complete()) break; // a group only partly literal: its literal heads end the prefix
                continue;
            }
            // A wide atom (a class, a repeat): if the literals so far already spell a keyword, the lead is known.
            if (allHoldKeyword(expansions, rule.keywords())) break;
            // Else matches no longer start with known literals: go on to literals past the atom.
            if (before == null) before = new boolean[128];
            int longest = 0;
            for (String e : expansions) {
                longest = Math.max(longest, e.length());
                for (int k = 0; k < e.length(); k++) mark(before, e.charAt(k));
            }
            for (int c = 0; c < 128; c++) if (atom.chars()[c]) mark(before, (char) c);
            wideWidth += longest + atom.width() * atom.max();
            expansions = new ArrayList<>(List.of(""));
            i = atom.end();
        }
        if (expansions.isEmpty() || expansions.size() > MAX_EXPANSIONS) return null;
        // \b is checked as "no word char before the start": right only when a match starts with a word char.
        if (before != null && wordBoundary && !firstAtomWordOnly) return null;
        int lead = 0;
        for (String e : expansions) {
            String lower = e.toLowerCase(Locale.ROOT);
            int first = Integer.MAX_VALUE;
            for (String k : rule.keywords()) {
                int at = lower.indexOf(k);
                if (at >= 0) first = Math.min(first, at);
            }
            if (first == Integer.MAX_VALUE) return null;
            if (before == null && wordBoundary && (e.isEmpty() || !isWordChar(e.charAt(0)))) return null;
            for (int k = 0; before != null && k < first; k++) mark(before, e.charAt(k));
            lead = Math.max(lead, wideWidth + first);
        }
        if (before != null) return new KeywordLead(lead, wordBoundary, null, before);
        char[][] prefixes = expansions.stream().map(e -> e.toLowerCase(Locale.ROOT)).distinct().map(String::toCharArray)
                .toArray(char[][]::new);
        return new KeywordLead(lead, wordBoundary, prefixes, null);
    }

    private static boolean allHoldKeyword(List<String> expansions, List<String> keywords) {
        for (String e : expansions) {
            String lower = e.toLowerCase(Locale.ROOT);
            if (keywords.stream().noneMatch(lower::contains)) return false;
        }
        return true;
    }

    private static boolean wordCharsOnly(boolean[] chars) {
        boolean any = false;
        for (int c = 0; c < 128; c++) {
            if (!chars[c]) continue;
            if (!isWordChar((char) c)) return false;
            any = true;
        }
        return any;
    }

    /** Marks {@code c} and, for ASCII letters, its other case (a superset is always safe). */
    private static void mark(boolean[] set, char c) {
        if (c >= 128) return;
        set[c] = true;
        if (Character.isLetter(c)) {
            set[Character.toLowerCase(c)] = true;
            set[Character.toUpperCase(c)] = true;
        }
    }

    /**
     * One leading atom: {@code literals} when it spells one of a few strings (a literal, a class of
     * literal chars, a group of such alternatives), else null; {@code chars} the ASCII chars it can
     * hold; {@code width} its longest spelling; {@code min..max} its repeat; {@code complete} false
     * for a group whose alternatives are literal only in their heads (it ends the prefix).
     */
    private record Atom(List<String> literals, boolean[] chars, int width, int min, int max, int end, boolean complete) {
        static Atom parse(String re, int i) {
            char c = re.charAt(i);
            List<String> literals;
            boolean[] chars = new boolean[128];
            int width = 1;
            int next;
            boolean complete = true;
            if (c == '\\' && i + 1 < re.length() && isEscapedLiteral(re.charAt(i + 1))) {
                literals = List.of(String.valueOf(re.charAt(i + 1)));
                next = i + 2;
            } else if (c == '[') {
                int close = re.indexOf(']', i + 1);
                if (close < 0) return null;
                String body = re.substring(i + 1, close);
                String choices = classChoices(body);
                if (choices == null) {
                    if (!classChars(body, chars)) return null;
                    literals = null;
                } else {
                    literals = choices.chars().mapToObj(x -> String.valueOf((char) x)).toList();
                }
                next = close + 1;
            } else if (re.startsWith("(?:", i)) {
                int close = groupEnd(re, i);
                if (close < 0) return null;
                literals = new ArrayList<>();
                width = 0;
                for (String alternative : splitTopLevel(re.substring(i + 3, close))) {
                    Expansion e = expandPrefix(alternative);
                    if (e == null) return null;
                    complete &= e.complete();
                    literals.addAll(e.strings());
                    for (String s : e.strings()) width = Math.max(width, s.length());
                }
                if (literals.size() > MAX_EXPANSIONS) return null;
                next = close + 1;
            } else if (isPlainLiteral(c)) {
                literals = List.of(String.valueOf(c));
                next = i + 1;
            } else {
                return null;
            }
            if (literals != null) for (String l : literals) for (int k = 0; k < l.length(); k++) if (l.charAt(k) < 128) chars[l.charAt(k)] = true;
            int min = 1;
            int max = 1;
            if (next < re.length()) {
                char q = re.charAt(next);
                if (q == '*' || q == '+') return null; // unbounded: no lead past it
                if (q == '?') {
                    min = 0;
                    next++;
                } else if (q == '{') {
                    int close = re.indexOf('}', next);
                    if (close < 0) return null;
                    String[] bounds = re.substring(next + 1, close).split(",", -1);
                    try {
                        min = Integer.parseInt(bounds[0].trim());
                        max = bounds.length == 1 ? min : bounds[1].isBlank() ? -1 : Integer.parseInt(bounds[1].trim());
                    } catch (NumberFormatException e) {
                        return null;
                    }
                    if (bounds.length > 2 || max < 0 || max > MAX_REPEAT || max < min) return null;
                    next = close + 1;
                }
                if (next < re.length() && (re.charAt(next) == '?' || re.charAt(next) == '+')) return null; // lazy/possessive
            }
            if (!complete && (min != 1 || max != 1)) return null;
            if (literals != null && max != 1) literals = null; // repeated literals: a wide atom
            return new Atom(literals, chars, width, min, max, next, complete);
        }
    }

    /** The chars of a class of literal chars and ranges (no negation, no escapes but punctuation), or false. */
    private static boolean classChars(String body, boolean[] out) {
        if (body.isEmpty() || body.charAt(0) == '^') return false;
        List<Character> chars = new ArrayList<>();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '[') return false;
            if (c == '\\') {
                if (i + 1 >= body.length() || Character.isLetterOrDigit(body.charAt(i + 1))) return false;
                c = body.charAt(++i);
                chars.add(c);
                chars.add('\0'); // an escaped char never starts or ends a range
                continue;
            }
            chars.add(c);
        }
        for (int k = 0; k < chars.size(); k++) {
            char c = chars.get(k);
            if (c == '\0') continue;
            if (k + 2 < chars.size() && chars.get(k + 1) == '-' && chars.get(k + 2) != '\0' && (k + 3 >= chars.size() || chars.get(k + 3) != '\0')) {
                char to = chars.get(k + 2);
                if (to >= 128 || to < c) return false;
                for (int x = c; x <= to; x++) out[x] = true;
                k += 2;
            } else {
                if (c >= 128) return false;
                out[c] = true;
            }
        }
        return true;
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

    /** The strings a regex's leading literal atoms spell; {@code complete} when they are the whole regex. */
    private record Expansion(List<String> strings, boolean complete) {}

    /**
     * Every string the regex's leading run of literal atoms can spell, up to the first atom that is
     * not a literal, a class of literals, or such an atom made optional by {@code ?}. Null if the
     * expansions explode.
     */
    private static Expansion expandPrefix(String re) {
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
        return new Expansion(out, i == re.length());
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

    /**
     * The first offset at or after {@code floor} where a match holding the keyword at {@code k} may
     * start: {@code k - lead}, or, for a class-led rule, the start of the run of chars that can
     * precede a keyword, whichever is later.
     */
    int earliestStart(String text, int k, int floor) {
        int from = Math.max(floor, k - lead);
        if (before == null) return from;
        int p = k;
        while (p > from) {
            char c = text.charAt(p - 1);
            if (c >= 128 || !before[c]) break;
            p--;
        }
        return p;
    }

    /** Whether a match may start at {@code p}: one of the literal prefixes every match starts with is there. */
    boolean mayStartAt(String text, int p) {
        if (prefixes == null) return true; // earliestStart has checked the chars; RE2J decides the rest
        for (char[] prefix : prefixes) {
            if (hasPrefixAt(text, p, prefix)) return true;
        }
        return false;
    }

    /** Whether {@code prefix} (lower case) is at {@code p}, ASCII case-insensitively. */
    static boolean hasPrefixAt(String text, int p, char[] prefix) {
        if (p + prefix.length > text.length()) return false;
        int j = 0;
        while (j < prefix.length && lower(text.charAt(p + j)) == prefix[j]) j++;
        return j == prefix.length;
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }
}
