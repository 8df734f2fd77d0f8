package io.claudebottle.dlp;

import java.util.Arrays;

/** Start offsets of the lines of a text, for offset-to-line lookups in O(log n). */
final class LineIndex {
    private final int[] starts;
    private final int count;
    private final int length;

    private LineIndex(int[] starts, int count, int length) {
        this.starts = starts;
        this.count = count;
        this.length = length;
    }

    static LineIndex of(CharSequence text) {
        int[] starts = new int[16];
        int n = 1;
        int len = text.length();
        if (text instanceof String s) {
            for (int i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) {
                if (n == starts.length) starts = Arrays.copyOf(starts, n * 2);
                starts[n++] = i + 1;
            }
        } else {
            for (int i = 0; i < len; i++) {
                if (text.charAt(i) == '\n') {
                    if (n == starts.length) starts = Arrays.copyOf(starts, n * 2);
                    starts[n++] = i + 1;
                }
            }
        }
        return new LineIndex(starts, n, len);
    }

    /** 0-based line of {@code offset}. */
    int lineOf(int offset) {
        int i = Arrays.binarySearch(starts, 0, count, offset);
        return i >= 0 ? i : -i - 2;
    }

    int lineStart(int line) {
        return starts[line];
    }

    /** End of the line's content (exclusive, before its newline). */
    int lineEnd(int line) {
        return line + 1 < count ? starts[line + 1] - 1 : length;
    }

    int length() {
        return length;
    }
}
