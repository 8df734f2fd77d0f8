package io.claudebottle.dlp;

import java.util.ArrayList;
import java.util.List;

/**
 * The pure-Java prefilter: finds every case-insensitive occurrence of every rule keyword in one
 * pass, indexed by the keyword's first two characters. A match contains its keyword, so its last
 * character lies within {@link RuleMatcher#MAX_MATCH} characters after the keyword. Rules without
 * keywords are reported on every line.
 */
final class KeywordPrefilter implements Prefilter {
    private final char[][][] keywordsByPair = new char[128 * 128][][];
    private final int[][][] rulesByPair = new int[128 * 128][][];
    private final boolean[] firstChar = new boolean[128];
    private final int[] everyLineRules;
    /**
     * Bit per hash of the three chars a keyword starts with, each with bit 5 set (0x20: ASCII
     * lower case for letters; it also merges a few punctuation chars, e.g. '_' with DEL, which only
     * lets more positions through to the exact check); a two-char keyword sets the bits of every
     * third char. The text's three bytes are kept in one int, shifted along, so most positions
     * of ordinary text cost one load, a multiply and one lookup.
     */
    private final long[] trigrams = new long[1 << (TRIGRAM_BITS - 6)];
    private static final int TRIGRAM_BITS = 16;
    private final boolean empty;

    KeywordPrefilter(List<CompiledRule> rules) {
        List<List<String>> kws = new ArrayList<>();
        List<List<int[]>> owners = new ArrayList<>();
        for (int i = 0; i < 128 * 128; i++) {
            kws.add(null);
            owners.add(null);
        }
        List<Integer> always = new ArrayList<>();
        for (CompiledRule r : rules) {
            List<String> keywords = r.rule().keywords();
            if (keywords.isEmpty() || keywords.stream().anyMatch(k -> k.charAt(0) >= 128 || k.charAt(1) >= 128)) {
                always.add(r.index());
                continue;
            }
            for (String k : keywords) {
                int pair = k.charAt(0) * 128 + k.charAt(1);
                if (kws.get(pair) == null) {
                    kws.set(pair, new ArrayList<>());
                    owners.set(pair, new ArrayList<>());
                }
                int at = kws.get(pair).indexOf(k);
                if (at < 0) {
                    kws.get(pair).add(k);
                    owners.get(pair).add(new int[] {r.index()});
                } else {
                    int[] old = owners.get(pair).get(at);
                    int[] grown = java.util.Arrays.copyOf(old, old.length + 1);
                    grown[old.length] = r.index();
                    owners.get(pair).set(at, grown);
                }
                firstChar[k.charAt(0)] = true;
                if (Character.isLetter(k.charAt(0))) firstChar[Character.toUpperCase(k.charAt(0))] = true;
            }
        }
        for (int p = 0; p < 128 * 128; p++) {
            if (kws.get(p) == null) continue;
            keywordsByPair[p] = kws.get(p).stream().map(String::toCharArray).toArray(char[][]::new);
            rulesByPair[p] = owners.get(p).toArray(int[][]::new);
        }
        everyLineRules = always.stream().mapToInt(Integer::intValue).toArray();
        boolean none = everyLineRules.length == 0;
        for (char[][] byPair : keywordsByPair) {
            if (byPair == null) continue;
            none = false;
            for (char[] k : byPair) {
                if (k.length >= 3) {
                    if (k[2] < 128) setTrigram(k[0], k[1], k[2]);
                } else {
                    for (int third = 0; third < 128; third++) setTrigram(k[0], k[1], lower(third));
                }
            }
        }
        empty = none;
    }

    private void setTrigram(int a, int b, int c) {
        int h = trigramHash((a | b << 8 | c << 16) | 0x202020);
        trigrams[h >>> 6] |= 1L << h;
    }

    /** {@code folded}: three bytes, little-endian, each with bit 5 set. */
    private static int trigramHash(int folded) {
        return (folded * HASH) >>> (32 - TRIGRAM_BITS);
    }

    private static final int HASH = 0x9E3779B1;

    /** True when no rule needs this prefilter (e.g. Hyperscan compiled every rule). */
    boolean isEmpty() {
        return empty;
    }

    @Override
    public void scan(String text, Sink sink) {
        scan(text, 0, sink);
    }

    @Override
    public void scan(String text, byte[] ascii, Sink sink) {
        if (ascii == null) {
            scan(text, 0, sink);
            return;
        }
        reportEveryLine(text, 0, sink);
        // The same search as scan(String, int, Sink), on the bytes: no per-char String access.
        long[] grams = trigrams;
        int n = ascii.length;
        int i = 0;
        // w: the bytes at i, i + 1, i + 2 (ASCII, so never negative), one more read per position
        int w = n > 1 ? (ascii[0] << 8 | ascii[1] << 16) : 0;
        for (; i + 2 < n; i++) {
            w = w >>> 8 | ascii[i + 2] << 16;
            int h = ((w | 0x202020) * HASH) >>> (32 - TRIGRAM_BITS);
            if ((grams[h >>> 6] & (1L << h)) != 0) keywordsAt(ascii, i, sink);
        }
        for (; i < n - 1; i++) keywordsAt(ascii, i, sink); // the last position: no trigram to read
    }

    /** Reports the keywords that occur at {@code i} (ASCII text). */
    private void keywordsAt(byte[] ascii, int i, Sink sink) {
        int c = ascii[i];
        if (!firstChar[c]) return;
        int pair = lower(c) * 128 + lower(ascii[i + 1]);
        char[][] candidates = keywordsByPair[pair];
        if (candidates == null) return;
        int n = ascii.length;
        for (int k = 0; k < candidates.length; k++) {
            char[] kw = candidates[k];
            if (i + kw.length > n || !matchesAt(ascii, i, kw)) continue;
            int to = Math.min(n - 1, i + RuleMatcher.MAX_MATCH - 1);
            for (int rule : rulesByPair[pair][k]) sink.hit(rule, i, to);
        }
    }

    private static boolean matchesAt(byte[] text, int at, char[] kw) {
        for (int j = 2; j < kw.length; j++) {
            int c = text[at + j];
            if (c < 0 || lower(c) != kw[j]) return false;
        }
        return true;
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private void reportEveryLine(String text, int start, Sink sink) {
        int n = text.length();
        if (everyLineRules.length > 0 && n > 0) {
            LineIndex lines = LineIndex.of(text);
            for (int line = lines.lineOf(start), last = lines.lineOf(n - 1); line <= last; line++) {
                int from = lines.lineStart(line);
                int to = Math.max(from, lines.lineEnd(line) - 1);
                for (int rule : everyLineRules) sink.hit(rule, from, to);
            }
        }
    }

    /** Scans from {@code start} on (the Hyperscan path hands over here after a callback storm). */
    void scan(String text, int start, Sink sink) {
        reportEveryLine(text, start, sink);
        scanKeywords(text, start, text.length(), sink);
    }

    /** Whether this prefilter finds every occurrence of the rule's keywords (they are all ASCII). */
    static boolean findsAllKeywordsOf(Rule rule) {
        for (String k : rule.keywords()) {
            for (int i = 0; i < k.length(); i++) if (k.charAt(i) >= 128) return false;
        }
        return !rule.keywords().isEmpty();
    }

    /** Reports the keyword occurrences starting in {@code [from, to)}, with {@code from} as the position. */
    void scanKeywords(String text, int from, int until, Sink sink) {
        int n = text.length();
        boolean[] first = firstChar;
        for (int i = from, last = Math.min(until, n - 1); i < last; i++) {
            char c = text.charAt(i);
            if (c >= 128 || !first[c]) continue;
            char d = text.charAt(i + 1);
            if (d >= 128) continue;
            int pair = lower(c) * 128 + lower(d);
            char[][] candidates = keywordsByPair[pair];
            if (candidates == null) continue;
            for (int k = 0; k < candidates.length; k++) {
                char[] kw = candidates[k];
                if (i + kw.length > n || !matchesAt(text, i, kw)) continue;
                int to = Math.min(n - 1, i + RuleMatcher.MAX_MATCH - 1);
                for (int rule : rulesByPair[pair][k]) sink.hit(rule, i, to);
            }
        }
    }

    private static boolean matchesAt(String text, int at, char[] kw) {
        for (int j = 2; j < kw.length; j++) {
            char c = text.charAt(at + j);
            if (c >= 128 || lower(c) != kw[j]) return false;
        }
        return true;
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    @Override
    public String name() {
        return "pure-java";
    }
}
