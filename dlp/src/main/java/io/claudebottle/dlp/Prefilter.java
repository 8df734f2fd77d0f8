package io.claudebottle.dlp;

/**
 * Finds where rules may match, cheaply, over the whole text: for each possible match it reports
 * the rule and a position inside (or at the end of) the match. Must never miss a real match;
 * false alarms only cost a confirmation by RE2J.
 */
interface Prefilter {
    /** Receives candidate hits. {@code from..to} (inclusive) brackets the last character of a possible match. */
    interface Sink {
        void hit(int rule, int from, int to);
    }

    void scan(String text, Sink sink);

    /** The same, given {@code ascii}: the text's bytes when it is pure ASCII (one byte per char), else null. */
    default void scan(String text, byte[] ascii, Sink sink) {
        scan(text, sink);
    }

    /** A short name for reports and benchmarks. */
    String name();
}
