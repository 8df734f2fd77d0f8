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
 * alone — so the Hyperscan and pure-Java paths report exactly the same matches.
 *
 * <p>Rules whose matches provably start at a keyword ({@link KeywordLead}) are confirmed per line
 * instead: the line's keyword occurrences are found once for all rules, and RE2J is tried anchored
 * just before each occurrence of the rule's keywords, on a window of at most {@link #WINDOW}
 * characters, so its cost follows the keywords rather than the text. A match that reaches the end
 * of its window inside the line is too long: it is not reported, and the run of characters it was
 * consuming is skipped; an attempt that fails only at the window's end is treated the same way.
 * So a line of a repeated keyword costs one window, not one RE2J pass per occurrence. (The run is
 * made of the characters seen in the attempt's last {@value #RUN_SAMPLE}; a secret glued to such a
 * run without any other character in between goes unreported with it, as a match longer than the
 * region is.) The result depends on the line alone, so both paths still agree.
 *
 * <p>All of it is paid from one {@link ScanBudget} per scan, charged by what RE2J actually read.
 * When it runs out, matching stops and the budget records where: the caller reports the input as
 * unscannable rather than clean. Work is therefore linear in the input whatever it holds.
 */
final class RuleMatcher {
    static final int CHUNK = 8192;
    static final int MAX_MATCH = 1024;
    static final int TAIL = 256;
    /** Longest match a keyword-led rule reports (a long JWT fits; a 1 MB token does not). */
    static final int WINDOW = 8192;
    /** Characters at the end of a too-long match that tell which run it was consuming. */
    private static final int RUN_SAMPLE = 32;

    /** A confirmed match: rule index, match bounds and secret bounds in the scanned text. */
    record RawMatch(int rule, int start, int end, int secretStart, int secretEnd) {}

    private final List<CompiledRule> rules;
    private final Prefilter prefilter;
    /** Finds every rule's keyword occurrences in a line, in one pass for all rules. */
    private final KeywordPrefilter keywords;

    /** Per rule: confirmed per line, anchored at keywords. */
    private final boolean[] lineRules;

    RuleMatcher(List<CompiledRule> rules, Prefilter prefilter) {
        this.rules = rules;
        this.prefilter = prefilter;
        this.keywords = prefilter instanceof KeywordPrefilter k ? k
                : prefilter instanceof HyperscanPrefilter h ? h.allKeywords() : new KeywordPrefilter(rules);
        this.lineRules = new boolean[rules.size()];
        for (CompiledRule r : rules) lineRules[r.index()] = r.lead() != null && KeywordPrefilter.findsAllKeywordsOf(r.rule());
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
        return text.isEmpty() ? List.of() : find(text, ascii, disabled, LineIndex.of(text), ScanBudget.forInput(text.length()));
    }

    /**
     * {@code lines}: the text's line index, when the caller has it already. Stops early when
     * {@code budget} runs out (then {@link ScanBudget#exhaustedAt()} says where); the matches found
     * until then are returned.
     */
    List<RawMatch> find(String text, byte[] ascii, boolean[] disabled, LineIndex lines, ScanBudget budget) {
        if (text.isEmpty() || budget.exhausted()) return List.of();
        // The pure-Java prefilter reports keyword positions: kept, they spare rescanning each line.
        Candidates candidates = new Candidates(lines, disabled, lineRules, prefilter == keywords);
        prefilter.scan(text, ascii, candidates);
        long[] keys = candidates.sorted();
        if (keys.length == 0) return List.of(); // most proxied requests: no per-rule work arrays
        List<RawMatch> out = new ArrayList<>();
        Work work = new Work(budget, rules.size(), candidates.keywordHits());
        // Keyword-led rules first: cheap per candidate, so when the budget runs out on a hostile
        // line, the secrets it holds have mostly been found already. By line, then rule.
        long[] leadKeys = new long[keys.length];
        int leads = 0;
        for (long key : keys) {
            int rule = (int) (key >>> 32);
            if (lineRules[rule]) leadKeys[leads++] = ((long) (int) key << 32) | rule;
        }
        Arrays.sort(leadKeys, 0, leads);
        for (int i = 0; i < leads; ) {
            int ls = (int) (leadKeys[i] >>> 32);
            int j = i;
            while (j < leads && (int) (leadKeys[j] >>> 32) == ls) j++;
            if (!confirmLeadRules(leadKeys, i, j, text, lines, out, work)) return out;
            i = j;
        }
        for (long key : keys) {
            int rule = (int) (key >>> 32);
            if (!lineRules[rule] && !confirm(rule, (int) key, text, lines, out, work)) return out;
        }
        return out;
    }

    /** The scan's budget, a reusable window for RE2J and the per-line buffers. */
    private static final class Work {
        final ScanBudget budget;
        final CountingWindow window = new CountingWindow();
        /** Per rule: wanted on the current line (cleared after each line). */
        final boolean[] wanted;
        final Occurrences occurrences;
        /** The prefilter's keyword hits of the whole text, or null when the line must be rescanned. */
        final KeywordHits hits;

        /**
         * Per rule, the last anchored attempt that failed before its window's end: where it started
         * and how many chars RE2J read ({@code failedLength}, 0: none yet). RE2J's answer depends
         * only on the chars it read, so an attempt over the same chars fails too.
         */
        final int[] failedAt;
        final int[] failedLength;

        Work(ScanBudget budget, int rules, KeywordHits hits) {
            this.budget = budget;
            this.wanted = new boolean[rules];
            this.occurrences = new Occurrences(wanted, this);
            this.hits = hits;
            this.failedAt = new int[rules];
            this.failedLength = new int[rules];
        }

        /** Charges what RE2J read in the window; false (and marks where) once the budget is gone. */
        boolean charge(CompiledRule rule, int at) {
            return spend((long) ScanBudget.PER_CALL + window.reads() * ScanBudget.weight(rule.pattern().programSize()), at);
        }

        /** Per line, the last offsets of the required-char sets asked for so far (rules share a few sets). */
        private final boolean[][] requiredSets = new boolean[8][];
        private final int[] requiredLast = new int[8];
        private int requiredCount;
        private int requiredLine = -1;

        /** {@link #lastOf}, remembered for the line starting at {@code ls}. */
        int lastRequired(boolean[] chars, String text, int ls, int lineLimit) {
            if (ls != requiredLine) {
                requiredLine = ls;
                requiredCount = 0;
            }
            for (int k = 0; k < requiredCount; k++) {
                if (requiredSets[k] == chars || Arrays.equals(requiredSets[k], chars)) return requiredLast[k];
            }
            int last = lastOf(chars, text, ls, lineLimit);
            if (requiredCount < requiredSets.length) {
                requiredSets[requiredCount] = chars;
                requiredLast[requiredCount++] = last;
            }
            return last;
        }

        boolean spend(long units, int at) {
            if (budget.spend(units)) return true;
            budget.exhaustedAt(at);
            return false;
        }
    }

    /**
     * The lead rules {@code keys[from, to)} (all on one line): one keyword pass over the line, then
     * each rule's anchored attempts at its own keyword occurrences.
     */
    private boolean confirmLeadRules(long[] keys, int from, int to, String text, LineIndex lines, List<RawMatch> out, Work work) {
        int ls = (int) (keys[from] >>> 32);
        int le = lines.lineEnd(lines.lineOf(ls));
        boolean[] wanted = work.wanted;
        for (int i = from; i < to; i++) wanted[(int) keys[i]] = true;
        try {
            if (!work.spend((le - ls) / 8 + 1, ls)) return false;
            Occurrences occurrences = work.occurrences.reset();
            // The same hits in the same order either way, so the budget runs out at the same place.
            if (work.hits != null) work.hits.replay(ls, le, occurrences);
            else keywords.scanKeywords(text, ls, le, occurrences);
            if (occurrences.overspent) return false;
        } finally {
            for (int i = from; i < to; i++) wanted[(int) keys[i]] = false;
        }
        long[] at = work.occurrences.sorted(); // by rule, then position
        for (int i = 0; i < at.length; ) {
            int rule = (int) (at[i] >>> 32);
            int j = i;
            while (j < at.length && (int) (at[j] >>> 32) == rule) j++;
            if (!confirmLine(rule, ls, le, at, i, j, text, out, work)) return false;
            i = j;
        }
        return true;
    }

    /** Keyword occurrences of the wanted rules, as (rule, position) keys, each paid for. */
    private static final class Occurrences implements Prefilter.Sink {
        private final boolean[] wanted;
        private final Work work;
        private long[] keys = new long[64];
        private int size;
        boolean overspent;

        Occurrences(boolean[] wanted, Work work) {
            this.wanted = wanted;
            this.work = work;
        }

        Occurrences reset() {
            size = 0;
            overspent = false;
            return this;
        }

        @Override
        public void hit(int rule, int from, int to) {
            if (!wanted[rule] || overspent) return;
            if (!work.spend(ScanBudget.PER_KEYWORD, from)) {
                overspent = true;
                return;
            }
            if (size == keys.length) keys = Arrays.copyOf(keys, size * 2);
            keys[size++] = ((long) rule << 32) | from;
        }

        /**
         * By rule, then position. Hits arrive in text order, so a stable counting sort by rule
         * gives the same array as sorting; on a line of a million hits it is linear, not n log n.
         */
        long[] sorted() {
            if (size <= 256) {
                long[] a = Arrays.copyOf(keys, size);
                Arrays.sort(a);
                return a;
            }
            int[] start = new int[wanted.length + 1];
            for (int i = 0; i < size; i++) start[(int) (keys[i] >>> 32) + 1]++;
            for (int r = 0; r < wanted.length; r++) start[r + 1] += start[r];
            long[] a = new long[size];
            for (int i = 0; i < size; i++) a[start[(int) (keys[i] >>> 32)]++] = keys[i];
            return a;
        }
    }

    /**
     * Every keyword hit of a keyword-led rule, as the pure-Java prefilter reported it over the whole
     * text: in text order, which is the order a rescan of one line reports them in. Bounded: past
     * {@link #MAX} hits (hostile text) none are kept and lines are rescanned as before.
     */
    static final class KeywordHits {
        static final int MAX = 1 << 20;
        private long[] hits = new long[256];
        private int size;
        private boolean overflow;

        void add(int rule, int from) {
            if (overflow) return;
            if (size == hits.length) {
                if (size >= MAX) {
                    overflow = true;
                    hits = null;
                    return;
                }
                hits = Arrays.copyOf(hits, size * 2);
            }
            hits[size++] = ((long) from << 32) | rule;
        }

        KeywordHits orNull() {
            return overflow ? null : this;
        }

        /** Hands {@code sink} the hits at positions in {@code [from, to)}, in the order they came. */
        void replay(int from, int to, Prefilter.Sink sink) {
            int lo = 0;
            int hi = size;
            while (lo < hi) { // the first hit at or after from (positions never decrease)
                int mid = (lo + hi) >>> 1;
                if ((int) (hits[mid] >>> 32) < from) lo = mid + 1;
                else hi = mid;
            }
            for (int i = lo; i < size; i++) {
                int at = (int) (hits[i] >>> 32);
                if (at >= to) break;
                sink.hit((int) hits[i], at, at);
            }
        }
    }

    /**
     * Keyword-anchored confirmation of one rule on one whole line (see the class comment);
     * {@code at[from, to)}: the rule's keyword occurrences in the line, ascending.
     */
    private boolean confirmLine(int ruleIndex, int ls, int le, long[] at, int from, int to, String text, List<RawMatch> out, Work work) {
        CompiledRule rule = rules.get(ruleIndex);
        KeywordLead lead = rule.lead();
        int lineLimit = le < text.length() ? le + 1 : le; // the newline is visible as a delimiter
        // A match starting at p holds a required char at or after p: none after the last one.
        int lastStart = rule.required() == null ? lineLimit : work.lastRequired(rule.required(), text, ls, lineLimit);
        if (!work.spend((lineLimit - Math.max(ls, lastStart)) / 8 + 1, ls)) return false;
        int covered = ls;
        int previous = -1;
        Matcher m = null;
        CountingWindow window = work.window;
        for (int i = from; i < to; i++) {
            int k = (int) at[i];
            if (k < covered || k == previous) continue;
            previous = k;
            if (k - lead.lead() > lastStart) break;
            int earliest = lead.earliestStart(text, k, Math.max(ls, covered));
            if (!work.spend((k - earliest) / 8 + 1, k)) return false;
            for (int p = earliest; p <= k && p <= lastStart; p++) {
                if (lead.wordBoundary() && p > 0 && KeywordLead.isWordChar(text.charAt(p - 1))) continue;
                if (!rule.mayStartAt(text, p)) continue;
                // One window: a failure inside a shorter one would not prove the match absent.
                int we = Math.min(p + WINDOW, lineLimit);
                int known = work.failedLength[ruleIndex];
                if (known > 0 && p + known < we && text.regionMatches(p, text, work.failedAt[ruleIndex], known)) {
                    // The chars RE2J read in a failed attempt, again, inside the window: it fails
                    // again. A line of one near miss repeated costs a comparison per copy, not an NFA run.
                    if (!work.spend(known / 8 + ScanBudget.PER_KEYWORD, p)) return false;
                    continue;
                }
                window.set(text, p, we);
                m = m == null ? rule.anchored().matcher(window) : m.reset(window);
                boolean matched = m.lookingAt();
                if (!work.charge(rule, p)) return false;
                if (matched && m.end() > 0) {
                    int e = p + m.end();
                    if (e == we && we < lineLimit) { // too long: skip the run it was consuming
                        covered = skipRun(text, Math.max(p, e - RUN_SAMPLE), e, lineLimit);
                        break;
                    }
                    covered = e;
                    add(rule, m, p, text, out);
                    break;
                }
                if (!matched && window.furthest() >= we - p - 1 && we < lineLimit) { // undecided at the window's end: the same
                    covered = skipRun(text, Math.max(p, we - RUN_SAMPLE), we, lineLimit);
                    break;
                }
                if (!matched && window.furthest() >= 0 && p + window.furthest() + 1 < we) {
                    work.failedAt[ruleIndex] = p;
                    work.failedLength[ruleIndex] = window.furthest() + 1;
                }
            }
        }
        return true;
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

    /** The region search of one chunk; false when the budget ran out. */
    private boolean confirm(int ruleIndex, int chunkStart, String text, LineIndex lines, List<RawMatch> out, Work work) {
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
        if (re <= rs) return true;
        CountingWindow window = work.window.set(text, rs, re);
        Matcher m = rule.pattern().matcher(window);
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
        return work.charge(rule, chunkStart);
    }

    private static final long[] NO_KEYS = {};

    /** (rule, chunk) pairs to confirm, deduplicated (a primitive list, sorted once: no boxing per hit). */
    private static final class Candidates implements Prefilter.Sink {
        private final LineIndex lines;
        private final boolean[] disabled;
        private final boolean[] lineRules;
        /**
         * Per rule, the last key added: hits come in runs, so most duplicates never reach the
         * array. Made on the first hit: most texts the proxy scans (a request's URL and headers)
         * have none, and one array per rule for each was most of what a request allocated.
         */
        private long[] lastKey;
        private long[] keys = NO_KEYS;
        private int size;
        private int line = -1; // the line of the previous hit: hits mostly arrive in text order
        private int lineStart = 0;
        private int lineEnd = -1;
        /** Keyword hits of keyword-led rules, kept when the hits are keyword positions; else null. */
        private final KeywordHits keywordHits;

        Candidates(LineIndex lines, boolean[] disabled, boolean[] lineRules, boolean keepKeywordHits) {
            this.lines = lines;
            this.disabled = disabled;
            this.lineRules = lineRules;
            this.keywordHits = keepKeywordHits ? new KeywordHits() : null;
        }

        /** The kept keyword hits, or null (not kept, or too many). */
        KeywordHits keywordHits() {
            return keywordHits == null ? null : keywordHits.orNull();
        }

        @Override
        public void hit(int rule, int from, int to) {
            // Kept before the disabled check: a line rescan reports disabled rules' keywords too.
            if (keywordHits != null && lineRules[rule]) keywordHits.add(rule, from);
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
            if (lastKey == null) {
                lastKey = new long[lineRules.length];
                Arrays.fill(lastKey, -1);
            } else if (key == lastKey[rule]) {
                return;
            }
            lastKey[rule] = key;
            if (size == keys.length) keys = Arrays.copyOf(keys, Math.max(64, size * 2));
            keys[size++] = key;
        }

        long[] sorted() {
            if (size == 0) return NO_KEYS;
            long[] a = Arrays.copyOf(keys, size);
            Arrays.sort(a);
            int n = 0;
            for (int i = 0; i < a.length; i++) if (i == 0 || a[i] != a[i - 1]) a[n++] = a[i];
            return Arrays.copyOf(a, n);
        }
    }
}
