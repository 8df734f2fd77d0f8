package io.claudebottle.dlp;

import java.util.ArrayList;
import java.util.List;

/**
 * Proof, from the regex text, that every match contains one of a few punctuation characters (the
 * {@code [:=]} of {@code key = value} rules, the {@code @} of URL credentials...): a line without
 * one after a candidate start cannot hold a match there, so RE2J is not run. Ordinary prose has
 * the rules' keywords but rarely these characters. Only mandatory atoms of the top-level sequence
 * (and of groups, when every alternative has one) count; anything this parser does not fully
 * understand gives no set, which only costs speed.
 */
final class RequiredChars {
    private RequiredChars() {}

    /** The chars (ASCII, no letter, digit or space) one of which every match contains, or null. */
    static boolean[] analyse(String regex) {
        Parser p = new Parser(regex.startsWith("(?i)") ? regex.substring(4) : regex); // (?i) folds letters only
        boolean[] best = p.sequenceBest(false);
        return p.failed || p.at != p.re.length() ? null : best;
    }

    private static boolean usable(boolean[] set) {
        if (set == null) return false;
        for (int c = 0; c < 128; c++) {
            if (set[c] && (Character.isLetterOrDigit(c) || c == ' ')) return false;
        }
        return true;
    }

    /** Lower is better: fewer chars, and not the ones code and prose are full of. */
    private static int cost(boolean[] set) {
        int n = 0;
        for (int c = 0; c < 128; c++) if (set[c]) n += ".,-_/:;'\"()".indexOf(c) >= 0 ? 3 : 1;
        return n;
    }

    private static final class Parser {
        final String re;
        int at;
        boolean failed;

        Parser(String re) {
            this.re = re;
        }

        /**
         * Parses alternatives up to ')' or the end; returns the union over alternatives of each
         * one's best required set, or null when some alternative has none.
         */
        boolean[] alternativesBest() {
            List<boolean[]> per = new ArrayList<>();
            per.add(sequenceBest(true));
            while (!failed && at < re.length() && re.charAt(at) == '|') {
                at++;
                per.add(sequenceBest(true));
            }
            boolean[] union = new boolean[128];
            for (boolean[] s : per) {
                if (s == null) return null;
                for (int c = 0; c < 128; c++) union[c] |= s[c];
            }
            return union;
        }

        /** One alternative: atoms until '|' or ')' (inGroup) or the end. */
        boolean[] sequenceBest(boolean inGroup) {
            boolean[] best = null;
            while (!failed && at < re.length()) {
                char c = re.charAt(at);
                if (c == '|') {
                    if (!inGroup) {
                        failed = true; // top-level alternation: keep it simple
                        return null;
                    }
                    return best;
                }
                if (c == ')') {
                    if (!inGroup) failed = true;
                    return best;
                }
                boolean[] set = atom();
                if (failed) return null;
                boolean mandatory = quantifierKeepsMandatory();
                if (mandatory && usable(set) && (best == null || cost(set) <= cost(best))) best = set;
            }
            return best;
        }

        /** Parses one atom; its char set, or null (zero-width, wide class, unknown). */
        boolean[] atom() {
            char c = re.charAt(at);
            if (c == '(') {
                at++;
                if (re.startsWith("?:", at)) at += 2;
                else if (re.startsWith("?", at)) {
                    failed = true;
                    return null;
                }
                boolean[] set = alternativesBest();
                if (failed || at >= re.length() || re.charAt(at) != ')') {
                    failed = true;
                    return null;
                }
                at++;
                return set;
            }
            if (c == '[') return charClass();
            if (c == '\\') {
                if (at + 1 >= re.length()) {
                    failed = true;
                    return null;
                }
                char e = re.charAt(at + 1);
                at += 2;
                if (Character.isLetterOrDigit(e)) {
                    // \p{..}, \x{..}, \Q..\E, octal: not parsed here
                    if ("pPxQ".indexOf(e) >= 0 || Character.isDigit(e)) failed = true;
                    return null; // \s \d \w \b \A \z and friends
                }
                return single(e);
            }
            at++;
            if (c == '.' || c == '^' || c == '$') return null;
            if (c == '*' || c == '+' || c == '?' || c == '{') {
                failed = true; // a quantifier where an atom belongs
                return null;
            }
            return single(c);
        }

        private static boolean[] single(char c) {
            if (c >= 128) return null;
            boolean[] s = new boolean[128];
            s[c] = true;
            return s;
        }

        /** A class of literal chars and ranges; null for negated classes or escapes other than punctuation. */
        boolean[] charClass() {
            int first = at + 1;
            boolean negated = first < re.length() && re.charAt(first) == '^';
            if (negated) first++;
            List<Character> chars = new ArrayList<>();
            List<Boolean> escaped = new ArrayList<>();
            boolean known = !negated;
            int i = first;
            for (; i < re.length() && (re.charAt(i) != ']' || i == first); i++) {
                char c = re.charAt(i);
                if (c == '[') known = false; // [:alpha:] and the like
                boolean esc = c == '\\';
                if (esc) {
                    if (i + 1 >= re.length()) break;
                    c = re.charAt(++i);
                    if (Character.isLetterOrDigit(c)) known = false; // \s, \d, \x41...
                }
                chars.add(c);
                escaped.add(esc);
            }
            if (i >= re.length()) {
                failed = true;
                return null;
            }
            at = i + 1;
            if (!known) return null;
            boolean[] set = new boolean[128];
            for (int k = 0; k < chars.size(); k++) {
                char c = chars.get(k);
                if (k + 2 < chars.size() && chars.get(k + 1) == '-' && !escaped.get(k + 1)) {
                    char to = chars.get(k + 2);
                    if (to >= 128 || to < c) return null;
                    for (int x = c; x <= to; x++) set[x] = true;
                    k += 2;
                } else {
                    if (c >= 128) return null;
                    set[c] = true;
                }
            }
            return set;
        }

        /** Consumes a quantifier; false when it makes the atom optional. */
        boolean quantifierKeepsMandatory() {
            if (at >= re.length()) return true;
            char q = re.charAt(at);
            boolean mandatory = true;
            if (q == '?' || q == '*') {
                at++;
                mandatory = false;
            } else if (q == '+') {
                at++;
            } else if (q == '{') {
                int close = re.indexOf('}', at);
                if (close < 0) {
                    failed = true;
                    return false;
                }
                String body = re.substring(at + 1, close);
                int comma = body.indexOf(',');
                String min = comma < 0 ? body : body.substring(0, comma);
                try {
                    mandatory = Integer.parseInt(min.trim()) > 0;
                } catch (NumberFormatException e) {
                    failed = true;
                    return false;
                }
                at = close + 1;
            } else {
                return true;
            }
            if (at < re.length() && (re.charAt(at) == '?' || re.charAt(at) == '+')) at++; // lazy/possessive
            return mandatory;
        }
    }
}
