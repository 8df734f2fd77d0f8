package io.claudebottle.dlp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Classifies bytes eight at a time (SWAR on longs): most input is printable ASCII with tabs and
 * newlines, for which normalisation is the identity and can be skipped.
 */
final class PlainAscii {
    /** Printable ASCII, tab, CR, LF only. */
    static final int PLAIN = 0;
    /** ASCII with other control characters (normalisation drops them). */
    static final int ASCII = 1;
    /** A byte with its high bit set (UTF-8 or binary). */
    static final int OTHER = 2;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH = 0x8080808080808080L;
    private static final long SPACES = 0x20 * ONES;

    private PlainAscii() {}

    static int classify(byte[] b) {
        int n = b.length;
        int i = 0;
        long bad = 0;
        for (; i + 8 <= n; i += 8) {
            long x = (long) LONGS.get(b, i);
            // One cheap test passes a word of printable ASCII; only words holding a byte below 0x20
            // (a newline, a tab), DEL or a high byte take the exact test.
            if ((((x - SPACES) | x | (x + ONES)) & HIGH) == 0) continue;
            if ((x & HIGH) != 0) return OTHER;
            bad |= notPlain(x);
        }
        for (; i < n; i++) {
            if (b[i] < 0) return OTHER;
        }
        return bad == 0 && plainBytes(b, n & ~7, n) ? PLAIN : ASCII;
    }

    /**
     * High bit set in each byte that is a control character other than tab, CR and LF, or DEL.
     * Exact per byte: with every byte below 0x80, adding at most 0x7F to each never carries over.
     */
    private static long notPlain(long x) {
        long control = ~(x + 0x60 * ONES) & HIGH; // byte < 0x20
        long del = (x + ONES) & HIGH; // byte == 0x7F
        return control & ~(is(x, '\n') | is(x, '\t') | is(x, '\r')) | del;
    }

    private static long is(long x, int c) {
        long y = x ^ (c * ONES);
        return ~(y + 0x7F * ONES) & HIGH;
    }

    private static boolean plainBytes(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c == 0x7F) return false;
        }
        return true;
    }
}
