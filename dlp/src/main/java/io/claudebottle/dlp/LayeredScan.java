package io.claudebottle.dlp;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One scan of one text: normalise, match, then find encoded runs (base64, hex, percent-encoding,
 * JSON/C escapes), decode them and scan the result again, up to {@link #MAX_DEPTH} layers deep and
 * within a budget of decoded characters, so hostile input cannot make the work explode.
 */
final class LayeredScan {
    static final int MAX_DEPTH = 5;
    private static final int MIN_BASE64_RUN = 24;
    private static final int MIN_HEX_RUN = 32;
    private static final int MIN_DECODED = 8;
    private static final boolean[] BASE64 = new boolean[128];
    private static final boolean[] HEX = new boolean[128];
    /** Hex digits 8-9, a-f, A-F: a byte starting with one is not ASCII text. */
    private static final boolean[] HIGH_NIBBLE_ABOVE_7 = new boolean[128];
    /** Sextet value of each base64 char, standard and URL-safe alphabets; -1 for others. */
    private static final byte[] SEXTET = new byte[128];

    static {
        for (char c = 'A'; c <= 'Z'; c++) BASE64[c] = true;
        for (char c = 'a'; c <= 'z'; c++) BASE64[c] = true;
        for (char c = '0'; c <= '9'; c++) BASE64[c] = HEX[c] = true;
        BASE64['+'] = BASE64['/'] = BASE64['-'] = BASE64['_'] = true;
        for (char c = 'a'; c <= 'f'; c++) HEX[c] = HEX[Character.toUpperCase(c)] = true;
        java.util.Arrays.fill(SEXTET, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 64; i++) SEXTET[alphabet.charAt(i)] = (byte) i;
        SEXTET['-'] = 62;
        SEXTET['_'] = 63;
        for (int c = 0; c < 128; c++) HIGH_NIBBLE_ABOVE_7[c] = HEX[c] && Character.digit(c, 16) > 7;
    }

    /** The text's bytes when it is pure ASCII (the common case; an intrinsic does it), else null. */
    static byte[] asciiBytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return b.length == s.length() ? b : null;
    }

    /** One byte per char, chars above 0xFF as '?' (never a run char): byte offsets are char offsets. */
    static byte[] oneBytePerChar(String text) {
        byte[] latin1 = text.getBytes(StandardCharsets.ISO_8859_1);
        if (latin1.length == text.length()) return latin1; // else a surrogate pair became one '?'
        byte[] b = new byte[text.length()];
        for (int i = 0; i < b.length; i++) {
            char c = text.charAt(i);
            b[i] = c <= 0xFF ? (byte) c : (byte) '?';
        }
        return b;
    }

    private static boolean noControls(byte[] ascii) {
        return PlainAscii.classify(ascii) == PlainAscii.PLAIN;
    }

    /**
     * Base64 of ASCII text starts every 4-char group with a sextet below 32 (the byte's high bit is
     * 0), so checking the first groups rejects almost all binary data and identifiers unread.
     */
    private static boolean mayBeBase64Text(byte[] s, int from, int to) {
        for (int i = from, groups = 0; i + 4 <= to && groups < 12; i += 4, groups++) {
            if (SEXTET[s[i]] >= 32) return false;
        }
        return true;
    }

    /** Hex of ASCII text has a high nibble between 0 and 7 in every byte. */
    private static boolean mayBeHexText(byte[] s, int from, int to) {
        for (int i = from, bytes = 0; i + 2 <= to && bytes < 16; i += 2, bytes++) {
            if (HIGH_NIBBLE_ABOVE_7[s[i]]) return false;
        }
        return true;
    }

    /** A secret found: rule, offset in the top-level text, redacted excerpt, decoding chain. */
    record Hit(int rule, int offset, String excerpt, String via, String secret, String match) {}

    /** A text to scan and, per char, its offset in the top-level text (null: identity). */
    private record Layer(String text, int[] top) {
        int topOf(int pos) {
            if (top == null) return pos;
            return top.length == 0 ? 0 : top[Math.min(pos, top.length - 1)];
        }
    }

    private final RuleMatcher matcher;
    private final boolean[] disabled;
    private final Map<String, Hit> hits = new LinkedHashMap<>();
    private long budget;
    /** The matching work of the whole scan, every layer included. */
    private final ScanBudget work;
    /** Top-level offset where the matching work ran out, or -1. */
    private int unscannableAt = -1;
    /** The line index of the top-level text, when it was scanned as is (not normalised). */
    private LineIndex topLines;
    /** Bytes already classified as plain by the caller (not classified again). */
    private byte[] knownPlain;

    LayeredScan(RuleMatcher matcher, boolean[] disabled, int inputLength) {
        this(matcher, disabled, inputLength, ScanBudget.forInput(inputLength));
    }

    /** {@code work}: the matching budget, shared with other scans (a stream's windows). */
    LayeredScan(RuleMatcher matcher, boolean[] disabled, int inputLength, ScanBudget work) {
        this.matcher = matcher;
        this.disabled = disabled;
        this.budget = Math.max(1 << 20, 4L * inputLength);
        this.work = work;
    }

    /**
     * Where in the top-level text the scan ran out of work and stopped, or -1 when it completed.
     * A stopped scan proves nothing about the rest of the input: callers must not call it clean.
     */
    int unscannableAt() {
        return unscannableAt;
    }

    /** Matching work spent, in {@link ScanBudget} units. */
    long workSpent() {
        return work.spent();
    }

    Collection<Hit> run(String text) {
        return run(text, asciiBytes(text));
    }

    /** {@code ascii}: the text's bytes when it is pure ASCII (one byte per char), else null. */
    Collection<Hit> run(String text, byte[] ascii) {
        return run(text, ascii, false);
    }

    /** {@code plain}: the caller already knows {@code ascii} is {@link PlainAscii#PLAIN}. */
    Collection<Hit> run(String text, byte[] ascii, boolean plain) {
        knownPlain = plain ? ascii : null;
        scan(new Layer(text, null), ascii, "", 0);
        return hits.values();
    }

    /** The top-level text's line index after {@link #run}, or null when it was normalised first. */
    LineIndex topLines() {
        return topLines;
    }

    private void scan(Layer layer, String via, int depth) {
        scan(layer, asciiBytes(layer.text()), via, depth);
    }

    private void scan(Layer layer, byte[] ascii, String via, int depth) {
        boolean plain = ascii != null && (ascii == knownPlain || noControls(ascii));
        Normalizer.Mapped norm = plain ? null : Normalizer.normalize(layer.text());
        Layer t = layer;
        if (norm != null) {
            int[] top = norm.toOriginal(); // the top-level text's own offsets
            if (layer.top() != null) {
                top = new int[top.length];
                for (int i = 0; i < top.length; i++) top[i] = layer.topOf(norm.toOriginal()[i]);
            }
            t = new Layer(norm.text(), top);
            ascii = norm.ascii() ? asciiBytes(t.text()) : null;
        }
        LineIndex lines = LineIndex.of(t.text());
        if (depth == 0 && norm == null) topLines = lines;
        for (RuleMatcher.RawMatch m : matcher.find(t.text(), ascii, disabled, lines, work)) {
            String hidden = norm != null && !sameAsOriginal(layer.text(), norm, m.start(), m.end()) ? "unicode" : "";
            record(m, t, join(via, hidden));
        }
        if (work.exhausted()) {
            if (unscannableAt < 0) unscannableAt = t.topOf(Math.max(0, work.exhaustedAt()));
            return;
        }
        if (depth >= MAX_DEPTH || budget <= 0) return;
        decodeRuns(t, ascii != null ? ascii : oneBytePerChar(t.text()), via, depth);
        Layer url = percentDecoded(t, lines);
        if (url != null && spend(url)) scan(url, join(via, "url"), depth + 1);
        Layer escapes = unescaped(t);
        if (escapes != null && spend(escapes)) scan(escapes, join(via, "escape"), depth + 1);
    }

    private boolean spend(Layer l) {
        budget -= l.text().length();
        return budget >= 0;
    }

    private static boolean sameAsOriginal(String original, Normalizer.Mapped norm, int from, int to) {
        int[] map = norm.toOriginal();
        int o = map[from];
        for (int i = from; i < to; i++, o++) {
            if (map[i] != o || original.charAt(o) != norm.text().charAt(i)) return false;
        }
        return true;
    }

    private static String join(String via, String step) {
        if (step.isEmpty()) return via;
        return via.isEmpty() ? step : via + ">" + step;
    }

    private void record(RuleMatcher.RawMatch m, Layer t, String via) {
        String text = t.text();
        String secret = text.substring(m.secretStart(), m.secretEnd());
        int offset = t.topOf(m.secretStart());
        String key = m.rule() + ":" + offset + ":" + secret;
        if (hits.containsKey(key)) return;
        String context = text.substring(Math.max(m.start(), m.secretStart() - 24), m.secretStart());
        hits.put(key, new Hit(m.rule(), offset, Redaction.excerpt(context, secret), via, secret,
                text.substring(m.start(), m.end())));
    }

    /** Base64 and hex runs, decoded when the result is text, scanned together as one layer each. */
    private void decodeRuns(Layer t, byte[] bytes, String via, int depth) {
        String s = t.text();
        Segments base64 = new Segments();
        Segments hex = new Segments();
        // Runs are found on the bytes (one per char; chars above 0xFF became '?', which ends a run),
        // so within a run each byte is its char. (Encoded with getBytes(ISO_8859_1), a surrogate
        // pair became one '?': an emoji shifted every later run by one and hid the secret in it.)
        int n = bytes.length;
        EncodedRuns.find(bytes, n, MIN_BASE64_RUN, (start, end, allHex) -> {
            int len = end - start;
            // Decode a short head first: binary-looking runs (hashes, keys, compressed data) stop there.
            if (allHex && len >= MIN_HEX_RUN && mayBeHexText(bytes, start, end)
                    && (len <= 256 || looksLikeText(hexDecode(s, start, start + 256)))) {
                String decoded = textOrNull(hexDecode(s, start, end));
                if (decoded != null) hex.add(decoded, t.topOf(start));
            }
            if (mayBeBase64Text(bytes, start, end) && (len <= 256 || looksLikeText(base64Decode(s, start, start + 256)))) {
                String decoded = textOrNull(base64Decode(s, start, end));
                if (decoded != null) base64.add(decoded, t.topOf(start));
            }
            return base64.length() + hex.length() <= budget;
        });
        if (base64.length() > 0) {
            Layer l = base64.layer();
            if (spend(l)) scan(l, join(via, "base64"), depth + 1);
        }
        if (hex.length() > 0) {
            Layer l = hex.layer();
            if (spend(l)) scan(l, join(via, "hex"), depth + 1);
        }
    }

    /** Decodes standard or URL-safe base64, padding optional; trailing partial bits are dropped. */
    private static byte[] base64Decode(String s, int from, int to) {
        int len = to - from;
        byte[] out = new byte[len * 3 / 4];
        int n = 0;
        int acc = 0;
        int bits = 0;
        for (int i = from; i < to; i++) {
            int v = SEXTET[s.charAt(i)];
            if (v < 0) return null;
            acc = (acc << 6) | v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out[n++] = (byte) (acc >> bits);
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    private static byte[] hexDecode(String s, int from, int to) {
        int len = (to - from) / 2;
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) {
            out[i] = (byte) (Character.digit(s.charAt(from + 2 * i), 16) << 4 | Character.digit(s.charAt(from + 2 * i + 1), 16));
        }
        return out;
    }

    private static boolean looksLikeText(byte[] bytes) {
        if (bytes == null) return false;
        int printable = 0;
        for (byte b : bytes) {
            if ((b >= 0x20 && b < 0x7F) || b == '\n' || b == '\r' || b == '\t' || b < 0) printable++;
        }
        return printable * 10 >= bytes.length * 9;
    }

    /** The bytes as a string when they look like text (UTF-8, mostly printable), else null. */
    static String textOrNull(byte[] bytes) {
        if (bytes == null || bytes.length < MIN_DECODED || !looksLikeText(bytes)) return null;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Lines holding %XX escapes, decoded (UTF-8); other lines are dropped from the layer. */
    private static Layer percentDecoded(Layer t, LineIndex lines) {
        String s = t.text();
        int first = firstPercentEscape(s, 0);
        if (first < 0) return null;
        StringBuilder out = new StringBuilder();
        int[] top = new int[64];
        int n = 0;
        // From each line holding an escape straight to the next one: lines without any are never
        // read again (searching from every line start was quadratic on many lines and one escape).
        for (int next = first; next >= 0; ) {
            int line = lines.lineOf(next);
            int from = lines.lineStart(line);
            int to = lines.lineEnd(line);
            next = to < s.length() ? firstPercentEscape(s, to + 1) : -1;
            for (int i = from; i < to; ) {
                if (isPercentEscape(s, i)) {
                    int start = i;
                    int runEnd = i;
                    while (runEnd < to && isPercentEscape(s, runEnd)) runEnd += 3;
                    byte[] buf = new byte[(runEnd - i) / 3]; // sized to the run: many short runs on a long line stay linear
                    int k = 0;
                    while (i < runEnd) {
                        buf[k++] = (byte) Integer.parseInt(s, i + 1, i + 3, 16);
                        i += 3;
                    }
                    String decoded = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(buf, 0, k)).toString();
                    for (int j = 0; j < decoded.length(); j++) {
                        if (n == top.length) top = Arrays.copyOf(top, n * 2);
                        out.append(decoded.charAt(j));
                        top[n++] = t.topOf(start);
                    }
                } else {
                    if (n == top.length) top = Arrays.copyOf(top, n * 2);
                    out.append(s.charAt(i));
                    top[n++] = t.topOf(i);
                    i++;
                }
            }
            if (n == top.length) top = Arrays.copyOf(top, n * 2);
            out.append('\n');
            top[n++] = t.topOf(to);
        }
        return new Layer(out.toString(), Arrays.copyOf(top, n));
    }

    private static int firstPercentEscape(String s, int from) {
        for (int i = s.indexOf('%', from); i >= 0; i = s.indexOf('%', i + 1)) {
            if (isPercentEscape(s, i)) return i;
        }
        return -1;
    }

    private static boolean isPercentEscape(String s, int i) {
        return i + 2 < s.length() && s.charAt(i) == '%' && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2));
    }

    private static boolean isHex(char c) {
        return c < 128 && HEX[c];
    }

    /** JSON / C string escapes ({@code \\uXXXX}, {@code \\xHH}, {@code \\/}...) decoded, when present. */
    private static Layer unescaped(Layer t) {
        String s = t.text();
        if (!hasEscape(s)) return null;
        StringBuilder out = new StringBuilder(s.length());
        int[] top = new int[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            int start = i;
            char decoded = c;
            int width = 1;
            if (c == '\\' && i + 1 < s.length()) {
                char e = s.charAt(i + 1);
                width = 2;
                switch (e) {
                    case 'n' -> decoded = '\n';
                    case 't' -> decoded = '\t';
                    case 'r' -> decoded = '\r';
                    case 'b' -> decoded = '\b';
                    case 'f' -> decoded = '\f';
                    case '/', '\\', '"', '\'' -> decoded = e;
                    case 'u' -> {
                        if (i + 6 <= s.length() && allHex(s, i + 2, i + 6)) {
                            decoded = (char) Integer.parseInt(s, i + 2, i + 6, 16);
                            width = 6;
                        } else {
                            width = 1;
                        }
                    }
                    case 'x' -> {
                        if (i + 4 <= s.length() && allHex(s, i + 2, i + 4)) {
                            decoded = (char) Integer.parseInt(s, i + 2, i + 4, 16);
                            width = 4;
                        } else {
                            width = 1;
                        }
                    }
                    default -> width = 1;
                }
            }
            out.append(decoded);
            top[n++] = t.topOf(start);
            i += width;
        }
        return new Layer(out.toString(), Arrays.copyOf(top, n));
    }

    private static boolean hasEscape(String s) {
        for (int i = s.indexOf('\\'); i >= 0 && i + 1 < s.length(); i = s.indexOf('\\', i + 1)) {
            char e = s.charAt(i + 1);
            if (e == 'u' || e == 'x' || e == '/') return true;
        }
        return false;
    }

    private static boolean allHex(String s, int from, int to) {
        for (int i = from; i < to; i++) if (!isHex(s.charAt(i))) return false;
        return true;
    }

    /** Decoded pieces joined by newlines; every char maps to the top offset of its encoded run. */
    private static final class Segments {
        private final StringBuilder text = new StringBuilder();
        private int[] top = new int[64];

        void add(String decoded, int topOffset) {
            int need = text.length() + decoded.length() + 1;
            if (need > top.length) top = Arrays.copyOf(top, Math.max(need, top.length * 2));
            Arrays.fill(top, text.length(), need, topOffset);
            text.append(decoded).append('\n');
        }

        int length() {
            return text.length();
        }

        Layer layer() {
            return new Layer(text.toString(), Arrays.copyOf(top, text.length()));
        }
    }
}
