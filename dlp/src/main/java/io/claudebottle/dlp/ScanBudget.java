package io.claudebottle.dlp;

/**
 * The work one scan may do, shared by every rule, line and decoded layer: linear in the input's
 * length, so no input (a 1 MB line of every rule's keywords, a keyword repeated a million times)
 * can make the scan cost more than a fixed multiple of its size. When it runs out the scan stops
 * and reports the input as unscannable ({@link Finding#UNSCANNABLE}): fail closed, never "clean".
 *
 * <p>Units: a char RE2J reads, weighted by the rule's program size (an NFA step walks more threads
 * on a bigger program), a fixed cost per RE2J call, a small cost per keyword occurrence and per char
 * scanned for keywords; all counted, not timed, so the outcome for an input never depends on the
 * machine's load. Measured on real files (npm's 6,000 JS/JSON/Markdown files, JDK sources, rustdoc
 * search indexes) ordinary text spends 0.6 units per char overall and at most 37 on the densest
 * minified bundle; hostile lines without a limit spend 90 to 400. So the limit,
 * {@link #PER_INPUT_CHAR} per char plus {@link #BASE}, is not reached by those files, and stops a
 * hostile 1 MB line after about 36 million units (70–160 ms of CPU on a loaded 2-core machine,
 * RE2J's NFA costing 2–4 ns per unit there).
 */
final class ScanBudget {
    /** Units allowed per char of input. */
    static final long PER_INPUT_CHAR = 32;
    /** Units allowed on top, so short inputs of dense keywords still scan whole. */
    static final long BASE = 4_000_000;
    /** Units per RE2J call (matcher set-up, machine from the pool, result). */
    static final int PER_CALL = 200;
    /** Units per keyword occurrence handed to a rule. */
    static final int PER_KEYWORD = 2;

    private long units;
    private long remaining;
    private int exhaustedAt = -1;

    private ScanBudget(long units) {
        this.units = units;
        this.remaining = units;
    }

    /** Units spent so far (benchmarks report how far ordinary text stays from the limit). */
    long spent() {
        return units - remaining;
    }

    /** The budget of a scan of an input of {@code length} chars. */
    static ScanBudget forInput(long length) {
        return new ScanBudget(BASE + PER_INPUT_CHAR * Math.max(0, length));
    }

    /**
     * Adds the allowance of {@code length} more input chars (a stream's next window); an exhausted
     * budget stays exhausted, so a stream cannot wait out its limit.
     */
    void grant(long length) {
        if (exhausted()) return;
        long more = PER_INPUT_CHAR * Math.max(0, length);
        units += more;
        remaining += more;
    }

    /** Spends {@code units}; false once the budget is exhausted (and from then on). */
    boolean spend(long units) {
        remaining -= units;
        return remaining >= 0;
    }

    boolean exhausted() {
        return remaining < 0;
    }

    /** Records where (in the text being matched) the work ran out; the first call wins. */
    void exhaustedAt(int offset) {
        if (exhaustedAt < 0) exhaustedAt = Math.max(0, offset);
    }

    /** Where the work ran out, in the text that was being matched then, or -1. */
    int exhaustedAt() {
        return exhaustedAt;
    }

    /** RE2J's weight per char read for a program of {@code size} instructions. */
    static int weight(int programSize) {
        return 8 + programSize / 8;
    }
}
