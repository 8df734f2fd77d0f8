package io.claudebottle.dlp;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The eight-bytes-at-a-time check agrees with a byte-by-byte one at every length and position. */
class PlainAsciiTest {
    private static int reference(byte[] b) {
        int result = PlainAscii.PLAIN;
        for (byte c : b) {
            if (c < 0) return PlainAscii.OTHER;
            if (c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c == 0x7F) result = PlainAscii.ASCII;
        }
        return result;
    }

    @Test
    void agreesWithTheByteByByteCheck() {
        Random r = new Random(5);
        byte[] specials = {0, 1, 9, 10, 13, 0x1F, 0x20, 0x7E, 0x7F, (byte) 0x80, (byte) 0xC3, (byte) 0xFF};
        for (int len = 0; len < 40; len++) {
            for (int trial = 0; trial < 200; trial++) {
                byte[] b = new byte[len];
                for (int i = 0; i < len; i++) b[i] = (byte) (0x20 + r.nextInt(0x5F)); // printable
                int changes = r.nextInt(3);
                for (int c = 0; c < changes && len > 0; c++) b[r.nextInt(len)] = specials[r.nextInt(specials.length)];
                assertThat(PlainAscii.classify(b)).as("len %d: %s", len, java.util.Arrays.toString(b)).isEqualTo(reference(b));
            }
        }
    }

    @Test
    void everyByteValueAtEveryPositionOfAWordIsClassified() {
        for (int pos = 0; pos < 16; pos++) {
            for (int v = 0; v < 256; v++) {
                byte[] b = "printable ascii!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                b[pos] = (byte) v;
                assertThat(PlainAscii.classify(b)).as("byte 0x%02x at %d", v, pos).isEqualTo(reference(b));
            }
        }
    }
}
