package io.claudebottle.dlp;

import java.text.Normalizer.Form;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Undoes character-level hiding before matching: drops zero-width, format, combining and control
 * characters (except tab and newlines), folds look-alike letters (Cyrillic, Greek, dashes) to
 * ASCII and applies NFKC (fullwidth and styled letters). Keeps a map back to original offsets.
 */
final class Normalizer {
    private static final Map<Integer, String> HOMOGLYPHS = new HashMap<>();

    static {
        String[] pairs = {
                // Cyrillic
                "А", "A", "В", "B", "Е", "E", "К", "K", "М", "M", "Н", "H", "О", "O", "Р", "P", "С", "C", "Т", "T",
                "Х", "X", "У", "Y", "а", "a", "е", "e", "о", "o", "р", "p", "с", "c", "у", "y", "х", "x", "і", "i",
                "ј", "j", "ѕ", "s", "ԁ", "d", "ӏ", "l", "І", "I", "Ј", "J", "Ѕ", "S", "ԛ", "q", "ԝ", "w", "ɡ", "g",
                // Greek
                "Α", "A", "Β", "B", "Ε", "E", "Ζ", "Z", "Η", "H", "Ι", "I", "Κ", "K", "Μ", "M", "Ν", "N", "Ο", "O",
                "Ρ", "P", "Τ", "T", "Υ", "Y", "Χ", "X", "ο", "o", "ν", "v", "ι", "i", "κ", "k", "ρ", "p", "υ", "u",
                "α", "a", "τ", "t", "χ", "x",
                // dashes, quotes and slashes that pass for ASCII
                "‐", "-", "‑", "-", "‒", "-", "–", "-", "—", "-", "―", "-", "−", "-", "⁄", "/", "∕", "/",
                "＿", "_", "ǀ", "l", "ı", "i"};
        for (int i = 0; i < pairs.length; i += 2) HOMOGLYPHS.put(pairs[i].codePointAt(0), pairs[i + 1]);
    }

    /**
     * Normalised text and, for each of its chars, the offset of the original char it came from;
     * {@code ascii}: the text is all ASCII (so its UTF-8 bytes are worth taking).
     */
    record Mapped(String text, int[] toOriginal, boolean ascii) {}

    private Normalizer() {}

    /** True when the text has nothing to normalise (printable ASCII, tab, CR, LF). */
    static boolean isPlain(String s) {
        return plainUntil(s, 0) == s.length();
    }

    /** The first index at or after {@code from} holding a char that is not plain, or the length. */
    private static int plainUntil(String s, int from) {
        int n = s.length();
        for (int i = from; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x7F || (c < 0x20 && c != '\n' && c != '\t' && c != '\r')) return i;
        }
        return n;
    }

    /**
     * Returns null when {@link #isPlain} holds. Stretches of plain chars are copied as they are
     * (each is its own replacement), so only the chars that may hide something are looked at one
     * by one: a large file with one accented letter costs a copy, not a code-point-by-code-point
     * rebuild (which made such files five times slower to scan than pure ASCII ones).
     */
    static Mapped normalize(String s) {
        int n = s.length();
        int next = plainUntil(s, 0);
        if (next == n) return null;
        StringBuilder out = new StringBuilder(n);
        int[] map = new int[n + 16];
        int m = 0;
        int i = 0;
        boolean ascii = true;
        while (true) {
            out.append(s, i, next);
            for (; i < next; i++) map[m++] = i; // the map grows only below, where chars may multiply
            if (i >= n) break;
            int cp = s.codePointAt(i);
            String replacement = replacementFor(cp);
            if (replacement != null) {
                int room = m + replacement.length() + (n - i);
                if (room > map.length) map = Arrays.copyOf(map, Math.max(map.length * 2, room));
                for (int k = 0; k < replacement.length(); k++) {
                    char c = replacement.charAt(k);
                    ascii &= c < 0x80;
                    out.append(c);
                    map[m++] = i;
                }
            }
            i += Character.charCount(cp);
            next = plainUntil(s, i);
        }
        return new Mapped(out.toString(), Arrays.copyOf(map, m), ascii);
    }

    /** What a code point becomes: itself, an ASCII look-alike, its NFKC form, or null (dropped). */
    private static String replacementFor(int cp) {
        if (cp == '\n' || cp == '\t' || cp == '\r') return String.valueOf((char) cp);
        if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return null;
        if (cp < 0x7F) return String.valueOf((char) cp);
        int type = Character.getType(cp);
        if (type == Character.FORMAT || type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
                || type == Character.CONTROL || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF)
                || cp == 0x3164 || cp == 0x115F || cp == 0x1160 || cp == 0xFFA0 || cp == 0x034F) {
            return null;
        }
        String glyph = HOMOGLYPHS.get(cp);
        if (glyph != null) return glyph;
        String folded = java.text.Normalizer.normalize(new String(Character.toChars(cp)), Form.NFKC);
        if (folded.length() == 1 || folded.codePointCount(0, folded.length()) == 1) {
            String again = HOMOGLYPHS.get(folded.codePointAt(0));
            return again != null ? again : folded;
        }
        StringBuilder b = new StringBuilder();
        folded.codePoints().forEach(c -> {
            String r = c < 0x7F ? String.valueOf((char) c) : HOMOGLYPHS.getOrDefault(c, new String(Character.toChars(c)));
            b.append(r);
        });
        return b.toString();
    }
}
