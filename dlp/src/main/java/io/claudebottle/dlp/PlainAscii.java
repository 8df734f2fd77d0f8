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

    private PlainAscii() {}

    static int classify(byte[] b) {
        int n = b.length;
        int i = 0;
        int result = PLAIN;
        for (; i + 8 <= n; i += 8) {
            long x = (long) LONGS.get(b, i);
            if ((x & HIGH) != 0) return OTHER;
            // A byte below 0x20, or equal to 0x7F, sets its high bit here (all bytes are < 0x80).
            long low = (x - 0x20 * ONES) & ~x & HIGH;
            long y = x ^ (0x7F * ONES);
            long del = (y - ONES) & ~y & HIGH;
            if ((low | del) != 0 && result == PLAIN && !plainBytes(b, i, i + 8)) result = ASCII;
        }
        for (; i < n; i++) {
            if (b[i] < 0) return OTHER;
        }
        if (result == PLAIN && !plainBytes(b, n & ~7, n)) result = ASCII;
        return result;
    }

    private static boolean plainBytes(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c == 0x7F) return false;
        }
        return true;
    }
}
