package io.claudebottle.dlp;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Plain ASCII stretches are copied without looking at each char; the result must be exactly the
 * char-by-char normalisation, whatever sits right after, before or between long stretches.
 */
class NormalizerStretchTest {
    /** Chars that normalisation drops, folds or keeps, including a surrogate pair. */
    private static final String[] SPECIAL = {"\u200B", "\u200D", "\uFEFF", "\u0000", "\u001B", "\u007F", "\u0085", "\u00AD",
            "а", "о", "Ｇ", "ｈ", "＿", "−", "é", "\u0301", "\uD83D\uDE00", "\uD835\uDC00", "ß", "\t", "\n", "\r"};

    /** The char-by-char reference: every code point through the same replacement as the engine. */
    private static Normalizer.Mapped reference(String s) {
        if (Normalizer.isPlain(s)) return null;
        StringBuilder out = new StringBuilder();
        int[] map = new int[s.length() * 4 + 16];
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            String single = new String(Character.toChars(cp));
            Normalizer.Mapped one = Normalizer.normalize(single); // one code point: no stretch to skip
            String replacement = one == null ? single : one.text();
            for (int k = 0; k < replacement.length(); k++) {
                out.append(replacement.charAt(k));
                map[n++] = i;
            }
            i += Character.charCount(cp);
        }
        return new Normalizer.Mapped(out.toString(), Arrays.copyOf(map, n), out.chars().allMatch(c -> c < 0x80));
    }

    @Test
    void stretchesGiveTheCharByCharResult() {
        Random r = new Random(11);
        for (int trial = 0; trial < 4000; trial++) {
            StringBuilder b = new StringBuilder();
            for (int parts = r.nextInt(6); parts >= 0; parts--) {
                int len = r.nextInt(4) == 0 ? r.nextInt(3000) : r.nextInt(20);
                for (int i = 0; i < len; i++) b.append((char) (0x20 + r.nextInt(0x5F)));
                if (r.nextBoolean()) b.append(SPECIAL[r.nextInt(SPECIAL.length)]);
            }
            String s = b.toString();
            Normalizer.Mapped expected = reference(s);
            Normalizer.Mapped actual = Normalizer.normalize(s);
            if (expected == null) {
                assertThat(actual).isNull();
                continue;
            }
            assertThat(actual).isNotNull();
            assertThat(actual.text()).isEqualTo(expected.text());
            assertThat(actual.toOriginal()).isEqualTo(expected.toOriginal());
            assertThat(actual.ascii()).isEqualTo(expected.ascii());
        }
    }
}
