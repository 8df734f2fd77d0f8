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
 */
final class RuleMatcher {
    static final int CHUNK = 8192;
    static final int MAX_MATCH = 1024;
    static final int TAIL = 256;

    /** A confirmed match: rule index, match bounds and secret bounds in the scanned text. */
    record RawMatch(int rule, int start, int end, int secretStart, int secretEnd) {}

    private final List<CompiledRule> rules;
    private final Prefilter prefilter;

    RuleMatcher(List<CompiledRule> rules, Prefilter prefilter) {
        this.rules = rules;
        this.prefilter = prefilter;
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
        if (text.isEmpty()) return List.of();
        LineIndex lines = LineIndex.of(text);
        Candidates candidates = new Candidates(lines, disabled);
        prefilter.scan(text, ascii, candidates);
        long[] keys = candidates.sorted();
        List<RawMatch> out = new ArrayList<>();
        for (long key : keys) confirm((int) (key >>> 32), (int) key, text, lines, out);
        return out;
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
        private long[] keys = new long[64];
        private int size;
        private long lastKey = -1;

        Candidates(LineIndex lines, boolean[] disabled) {
            this.lines = lines;
            this.disabled = disabled;
        }

        @Override
        public void hit(int rule, int from, int to) {
            if (disabled != null && disabled[rule]) return;
            int line = lines.lineOf(from);
            int ls = lines.lineStart(line);
            int lastChunk = Math.max(0, lines.lineEnd(line) - ls - 1) / CHUNK;
            int first = Math.min((from - ls) / CHUNK, lastChunk);
            int last = to <= lines.lineEnd(line) ? Math.min((to - ls) / CHUNK, lastChunk) : lastChunk;
            for (int c = first; c <= last; c++) {
                long key = ((long) rule << 32) | (ls + (long) c * CHUNK);
                if (key == lastKey) continue;
                lastKey = key;
                if (size == keys.length) keys = Arrays.copyOf(keys, size * 2);
                keys[size++] = key;
            }
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
