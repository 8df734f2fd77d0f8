package io.claudebottle.dlp;

import com.google.re2j.Matcher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prefilter, then RE2J confirmation in bounded regions.
 *
 * <p>The text is cut into chunks: lines, and lines longer than {@link #CHUNK} into pieces. A match
 * belongs to the chunk holding its last character; its region reaches {@link #MAX_MATCH} back and
 * {@link #TAIL} forward, so any match up to {@code MAX_MATCH} long is seen whole. Both prefilters
 * only choose which (rule, chunk) pairs to confirm, and each pair's result depends on the chunk
 * alone — so the Hyperscan and pure-Java paths report exactly the same matches. Work is linear:
 * every chunk is confirmed at most once per rule, on a region of bounded size.
 *
 * <p>Rules whose matches provably start at a keyword ({@link KeywordLead}) are confirmed per line
 * instead: RE2J is tried anchored just before each keyword occurrence, on a window of at most
 * {@link #WINDOW} characters, so its cost follows the keywords rather than the text. A match that
 * reaches the end of its window inside the line is too long: it is not reported, and the run of
 * characters it was consuming is skipped, so a line of a repeated keyword costs one window, not
 * one RE2J pass per chunk. (The run is made of the characters seen in the match's last
 * {@value #RUN_SAMPLE}; a secret glued to such a run without any other character in between goes
 * unreported with it, as a match longer than the region did before.) The result depends on the
 * line alone, so both paths still agree. If
 * anchored attempts on a line read more than {@link #LINE_BUDGET_FACTOR} times its length (many
 * keywords whose attempts fail late), the line falls back to the region search: still linear.
 */
final class RuleMatcher {
    static final int CHUNK = 8192;
    static final int MAX_MATCH = 1024;
    static final int TAIL = 256;
    /** Longest match a keyword-led rule reports (a long JWT fits; a 1 MB token does not). */
    static final int WINDOW = 8192;
    static final int LINE_BUDGET_FACTOR = 1;
    /** Characters at the end of a too-long match that tell which run it was consuming. */
    private static final int RUN_SAMPLE = 32;

    /** A confirmed match: rule index, match bounds and secret bounds in the scanned text. */
    record RawMatch(int rule, int start, int end, int secretStart, int secretEnd) {}

    private final List<CompiledRule> rules;
    private final Prefilter prefilter;

    /** Per rule: confirmed per line, anchored at keywords. */
    private final boolean[] lineRules;

    RuleMatcher(List<CompiledRule> rules, Prefilter prefilter) {
        this.rules = rules;
        this.prefilter = prefilter;
        this.lineRules = new boolean[rules.size()];
        for (CompiledRule r : rules) lineRules[r.index()] = r.lead() != null;
    }

    Prefilter prefilter() {
        return prefilter;
    }

    List<CompiledRule> rules() {
        return rules;
    }

    List<RawMatch> find(String text, boolean[] disabled) {
        return find(text, null, disabled);
    }

    /** {@code ascii}: the text's bytes if it is pure ASCII, else null (saves the prefilter a copy). */
    List<RawMatch> find(String text, byte[] ascii, boolean[] disabled) {
        return text.isEmpty() ? List.of() : find(text, ascii, disabled, LineIndex.of(text));
    }

    /** {@code lines}: the text's line index, when the caller has it already. */
    List<RawMatch> find(String text, byte[] ascii, boolean[] disabled, LineIndex lines) {
        if (text.isEmpty()) return List.of();
        Candidates candidates = new Candidates(lines, disabled, lineRules);
        prefilter.scan(text, ascii, candidates);
        long[] keys = candidates.sorted();
        List<RawMatch> out = new ArrayList<>();
        for (long key : keys) {
            int rule = (int) (key >>> 32);
            if (lineRules[rule]) confirmLine(rule, lines.lineOf((int) key), text, lines, out);
            else confirm(rule, (int) key, text, lines, out);
        }
        return out;
    }

    /** Keyword-anchored confirmation of one rule on one whole line (see the class comment). */
    private void confirmLine(int ruleIndex, int line, String text, LineIndex lines, List<RawMatch> out) {
        CompiledRule rule = rules.get(ruleIndex);
        KeywordLead lead = rule.lead();
        int ls = lines.lineStart(line);
        int le = lines.lineEnd(line);
        int lineLimit = le < text.length() ? le + 1 : le; // the newline is visible as a delimiter
        long budget = (long) LINE_BUDGET_FACTOR * (lineLimit - ls) + 4L * WINDOW;
        // A match starting at p holds a required char at or after p: none after the last one.
        int lastStart = rule.required() == null ? lineLimit : lastOf(rule.required(), text, ls, lineLimit);
        int first = out.size();
        int covered = ls;
        for (int k = lead.nextKeyword(text, ls, le); k >= 0; k = lead.nextKeyword(text, Math.max(k + 1, covered), le)) {
            if (k - lead.lead() > lastStart) break;
            for (int p = Math.max(Math.max(ls, covered), k - lead.lead()); p <= k && p <= lastStart; p++) {
                if (lead.wordBoundary() && p > 0 && KeywordLead.isWordChar(text.charAt(p - 1))) continue;
                if (!lead.mayStartAt(text, p)) continue;
                // One window: a failure inside a shorter one would not prove the match absent.
                int we = Math.min(p + WINDOW, lineLimit);
                if (budget - (we - p) < 0) {
                    out.subList(first, out.size()).clear();
                    confirmWholeLine(ruleIndex, line, text, lines, out);
                    return;
                }
                Matcher m = rule.pattern().matcher(text.substring(p, we));
                boolean matched = m.lookingAt();
                // RE2J reads a failed attempt's whole window, but stops soon after a match ends.
                budget -= matched ? m.end() + 1 : we - p;
                if (!matched || m.end() == 0) continue;
                int e = p + m.end();
                if (e == we && we < lineLimit) { // too long: skip the run it was consuming
                    covered = skipRun(text, Math.max(p, e - RUN_SAMPLE), e, lineLimit);
                    break;
                }
                covered = e;
                add(rule, m, p, text, out);
                break;
            }
        }
    }

    /** The last offset in {@code [from, to)} holding one of {@code chars} (ASCII), or -1. */
    private static int lastOf(boolean[] chars, String text, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            char c = text.charAt(i);
            if (c < 128 && chars[c]) return i;
        }
        return -1;
    }

    /** End of the run after {@code from} made only of characters seen in {@code text[sample, from)}. */
    private static int skipRun(String text, int sample, int from, int limit) {
        boolean[] seen = new boolean[128];
        for (int i = sample; i < from; i++) {
            char c = text.charAt(i);
            if (c < 128) seen[c] = true;
        }
        int i = from;
        while (i < limit) {
            char c = text.charAt(i);
            if (c >= 128 || !seen[c]) break;
            i++;
        }
        return i;
    }

    private void add(CompiledRule rule, Matcher m, int base, String text, List<RawMatch> out) {
        int s = base + m.start();
        int e = base + m.end();
        int ss = s;
        int se = e;
        int group = rule.rule().secretGroup();
        if (group > 0 && m.start(group) >= 0) {
            ss = base + m.start(group);
            se = base + m.end(group);
        }
        if (se <= ss) return;
        if (rule.rule().minEntropy() > 0 && Entropy.shannon(text, ss, se) < rule.rule().minEntropy()) return;
        out.add(new RawMatch(rule.index(), s, e, ss, se));
    }

    /** The region search over every chunk of the line (a keyword-led rule's fallback). */
    private void confirmWholeLine(int ruleIndex, int line, String text, LineIndex lines, List<RawMatch> out) {
        int ls = lines.lineStart(line);
        int le = lines.lineEnd(line);
        for (int c = ls; c == ls || c < le; c += CHUNK) confirm(ruleIndex, c, text, lines, out);
    }

    private void confirm(int ruleIndex, int chunkStart, String text, LineIndex lines, List<RawMatch> out) {
        CompiledRule rule = rules.get(ruleIndex);
        int line = lines.lineOf(chunkStart);
        int ls = lines.lineStart(line);
        int le = lines.lineEnd(line);
        int n = text.length();
        int ce = Math.min(chunkStart + CHUNK, le);
        int lineLimit = le < n ? le + 1 : le; // the newline is visible as a delimiter
        int re = Math.min(ce + TAIL, lineLimit);
        int acceptEnd = ce == le ? re : ce;
        int rs = Math.max(ls, chunkStart - MAX_MATCH);
        if (re <= rs) return;
        Matcher m = rule.pattern().matcher(text.substring(rs, re));
        int group = rule.rule().secretGroup();
        while (m.find()) {
            int s = rs + m.start();
            int e = rs + m.end();
            if (e == s || e - 1 < chunkStart || e - 1 >= acceptEnd) continue;
            if (s == rs && rs > ls) continue; // may be the tail of something longer
            int ss = s;
            int se = e;
            if (group > 0 && m.start(group) >= 0) {
                ss = rs + m.start(group);
                se = rs + m.end(group);
            }
            if (se <= ss) continue;
            if (rule.rule().minEntropy() > 0 && Entropy.shannon(text, ss, se) < rule.rule().minEntropy()) continue;
            out.add(new RawMatch(ruleIndex, s, e, ss, se));
        }
    }

    /** (rule, chunk) pairs to confirm, deduplicated (a primitive list, sorted once: no boxing per hit). */
    private static final class Candidates implements Prefilter.Sink {
        private final LineIndex lines;
        private final boolean[] disabled;
        private final boolean[] lineRules;
        /** Per rule, the last key added: hits come in runs, so most duplicates never reach the array. */
        private final long[] lastKey;
        private long[] keys = new long[64];
        private int size;
        private int line = -1; // the line of the previous hit: hits mostly arrive in text order
        private int lineStart = 0;
        private int lineEnd = -1;

        Candidates(LineIndex lines, boolean[] disabled, boolean[] lineRules) {
            this.lines = lines;
            this.disabled = disabled;
            this.lineRules = lineRules;
            this.lastKey = new long[lineRules.length];
            Arrays.fill(lastKey, -1);
        }

        @Override
        public void hit(int rule, int from, int to) {
            if (disabled != null && disabled[rule]) return;
            if (from < lineStart || from > lineEnd) {
                line = lines.lineOf(from);
                lineStart = lines.lineStart(line);
                lineEnd = lines.lineEnd(line);
            }
            int ls = lineStart;
            if (lineRules[rule]) {
                add(rule, ((long) rule << 32) | ls);
                return;
            }
            int lastChunk = Math.max(0, lines.lineEnd(line) - ls - 1) / CHUNK;
            int first = Math.min((from - ls) / CHUNK, lastChunk);
            int last = to <= lines.lineEnd(line) ? Math.min((to - ls) / CHUNK, lastChunk) : lastChunk;
            for (int c = first; c <= last; c++) {
                add(rule, ((long) rule << 32) | (ls + (long) c * CHUNK));
            }
        }

        private void add(int rule, long key) {
            if (key == lastKey[rule]) return;
            lastKey[rule] = key;
            if (size == keys.length) keys = Arrays.copyOf(keys, size * 2);
            keys[size++] = key;
        }

        long[] sorted() {
            long[] a = Arrays.copyOf(keys, size);
            Arrays.sort(a);
            int n = 0;
            for (int i = 0; i < a.length; i++) if (i == 0 || a[i] != a[i - 1]) a[n++] = a[i];
            return Arrays.copyOf(a, n);
        }
    }
}
