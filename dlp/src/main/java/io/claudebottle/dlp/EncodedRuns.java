package io.claudebottle.dlp;

/**
 * Finds the maximal runs of base64 characters (standard and URL-safe alphabets, which include the
 * hex digits) of at least a given length in one pass over bytes, noting which runs are all hex.
 * Only runs of {@code min} or more count, so probing every {@code min}-th byte finds them all:
 * text without long runs is skipped without reading most of its bytes.
 */
final class EncodedRuns {
    /** Receives one run {@code [start, end)}; returns false to stop the search. */
    interface Sink {
        boolean run(int start, int end, boolean allHex);
    }

    /** Per byte: 1 base64 char, 3 hex digit (also base64), 0 neither. */
    private static final byte[] RUN = new byte[256];

    static {
        for (int c = 'A'; c <= 'Z'; c++) RUN[c] = 1;
        for (int c = 'a'; c <= 'z'; c++) RUN[c] = 1;
        for (int c = '0'; c <= '9'; c++) RUN[c] = 3;
        for (int c = 'a'; c <= 'f'; c++) RUN[c] = RUN[c - 32] = 3;
        RUN['+'] = RUN['/'] = RUN['-'] = RUN['_'] = 1;
    }

    private EncodedRuns() {}

    static boolean isBase64(byte b) {
        return RUN[b & 0xFF] != 0;
    }

    /**
     * Runs within {@code bytes[0, n)}, in order. Invariant: {@code i == 0} or {@code bytes[i - 1]} is
     * not a run char, so a run that counts starts at {@code i} or later and covers {@code i + min - 1}
     * if it starts at {@code i}. The probe there is checked, then the bytes before it, backwards: the
     * first non-run char among them moves {@code i} past it (no run of {@code min} can start at or
     * before it and reach the probe), so ordinary text is crossed reading a few bytes per word, each
     * byte at most once ({@code known}: where the run chars verified since {@code i} end).
     */
    static void find(byte[] bytes, int n, int min, Sink sink) {
        byte[] run = RUN;
        int known = 0;
        for (int i = 0; i + min <= n; ) {
            int probe = i + min - 1;
            if (run[bytes[probe] & 0xFF] == 0) {
                i = probe + 1;
                known = i;
                continue;
            }
            int k = probe - 1;
            int stop = Math.max(i, known);
            while (k >= stop && run[bytes[k] & 0xFF] != 0) k--;
            if (k >= stop) {
                i = k + 1;
                known = probe + 1;
                continue;
            }
            int end = probe + 1;
            while (end < n && run[bytes[end] & 0xFF] != 0) end++;
            if (!sink.run(i, end, allHex(bytes, i, end))) return;
            i = Math.min(n, end + 1);
            known = i;
        }
    }

    private static boolean allHex(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) if (RUN[bytes[i] & 0xFF] != 3) return false;
        return true;
    }
}
