package io.claudebottle.dlp;

/** Redacted excerpts: a little context and the first few characters of a secret, never the rest. */
final class Redaction {
    private Redaction() {}

    static String excerpt(String context, String secret) {
        int shown = Math.min(4, secret.length() / 4);
        return printable(context) + printable(secret.substring(0, shown)) + "…[" + secret.length() + " chars]";
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
