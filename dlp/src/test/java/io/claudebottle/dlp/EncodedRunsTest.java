package io.claudebottle.dlp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The probing run finder reports exactly the maximal runs a byte-by-byte walk finds. */
class EncodedRunsTest {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";

    private static boolean base64(byte b) {
        return b >= 0 && ALPHABET.indexOf(b) >= 0;
    }

    private static boolean hex(byte b) {
        return b >= 0 && "0123456789abcdefABCDEF".indexOf(b) >= 0;
    }

    private static List<String> reference(byte[] b, int min) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < b.length; ) {
            if (!base64(b[i])) {
                i++;
                continue;
            }
            int j = i;
            boolean allHex = true;
            while (j < b.length && base64(b[j])) allHex &= hex(b[j++]);
            if (j - i >= min) out.add(i + ".." + j + (allHex ? " hex" : ""));
            i = j;
        }
        return out;
    }

    @Test
    void findsEveryMaximalRunOfTheMinimumLengthOrMore() {
        Random r = new Random(3);
        String noise = " .,:;\"'=\n\t%&!é";
        for (int trial = 0; trial < 3000; trial++) {
            int len = r.nextInt(300);
            byte[] b = new byte[len];
            for (int i = 0; i < len; ) {
                int run = r.nextInt(r.nextBoolean() ? 8 : 60);
                boolean hexOnly = r.nextBoolean();
                for (int k = 0; k < run && i < len; k++) b[i++] = (byte) (hexOnly ? "0123456789abcdef" : ALPHABET).charAt(r.nextInt(hexOnly ? 16 : ALPHABET.length()));
                if (i < len) b[i++] = (byte) (r.nextInt(10) == 0 ? 0xC3 : noise.charAt(r.nextInt(noise.length() - 1)));
            }
            int min = 1 + r.nextInt(30);
            List<String> found = new ArrayList<>();
            EncodedRuns.find(b, len, min, (s, e, h) -> found.add(s + ".." + e + (h ? " hex" : "")));
            assertThat(found).as("min %d: %s", min, new String(b, java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo(reference(b, min));
        }
    }

    @Test
    void everyByteValueEndsARunOrNotAsTheByteByByteWalkSays() {
        for (int v = 0; v < 256; v++) {
            for (int pos = 0; pos < 24; pos++) {
                byte[] b = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij0123456789+/-_".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                b[24 + pos] = (byte) v;
                List<String> found = new ArrayList<>();
                EncodedRuns.find(b, b.length, 8, (s, e, h) -> found.add(s + ".." + e + (h ? " hex" : "")));
                assertThat(found).as("byte 0x%02x at %d", v, 24 + pos).isEqualTo(reference(b, 8));
            }
        }
    }
}
