package io.claudebottle.dlp;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Single lines shaped against the engine (also the hostile lines of the bench module's JMH benchmark,
 * through this module's test jar): every rule's keyword, one rule's prefix repeated, near-miss tokens, long
 * encoded runs, escapes inside escapes, zero-width-stuffed keywords, many lines and one escape.
 */
public final class HostileInputs {
    private HostileInputs() {}

    /** Family name to a line of about {@code size} chars. */
    public static Map<String, String> families(int size) {
        String keywords = allKeywords(size);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("all-keywords", keywords);
        out.put("a", "a".repeat(size));
        out.put("password-repeat", "password=".repeat(size / 9));
        out.put("token-repeat", "token: ".repeat(size / 7));
        out.put("sk-ant-repeat", "sk-ant-api03-".repeat(size / 13));
        out.put("akia-repeat", "AKIA".repeat(size / 4));
        out.put("ghp-repeat", "ghp_".repeat(size / 4));
        out.put("begin-repeat", "-----BEGIN ".repeat(size / 11));
        out.put("jwt-repeat", "eyJ".repeat(size / 3));
        out.put("url-credentials-repeat", "a://b:c@".repeat(size / 8));
        out.put("near-miss-ghp", ("ghp_" + "abcdefghijklmnopqrstuvwxyz012345678" + " ").repeat(size / 40));
        out.put("zero-width-keywords", zeroWidth(keywords).substring(0, size));
        String third = keywords.substring(0, size / 3);
        out.put("base64-run", Base64.getEncoder().encodeToString(keywords.substring(0, size * 3 / 4).getBytes(StandardCharsets.US_ASCII)));
        out.put("hex-run", HexFormat.of().formatHex(keywords.substring(0, size / 2).getBytes(StandardCharsets.US_ASCII)));
        out.put("percent-run", percent(third));
        out.put("percent-layers", "%25".repeat(size / 3));
        out.put("json-escapes", jsonEscapes(keywords.substring(0, size / 6)));
        out.put("nested-json-escapes", "\\\\u0041".repeat(size / 7));
        out.put("many-lines-one-escape", "x\n".repeat(size / 2 - 2) + "%41");
        return out;
    }

    /** Every keyword of every built-in rule, space-separated, repeated to {@code size} chars. */
    public static String allKeywords(int size) {
        Set<String> keywords = new LinkedHashSet<>();
        for (Rule r : RuleFile.builtIn()) keywords.addAll(r.keywords());
        StringBuilder b = new StringBuilder(size + 64);
        while (b.length() < size) for (String k : keywords) b.append(k).append(' ');
        return b.substring(0, size);
    }

    private static String zeroWidth(String s) {
        StringBuilder b = new StringBuilder(s.length() * 2);
        for (int i = 0; i < s.length(); i++) b.append(s.charAt(i)).append('\u200b');
        return b.toString();
    }

    private static String percent(String s) {
        StringBuilder b = new StringBuilder(s.length() * 3);
        for (byte x : s.getBytes(StandardCharsets.US_ASCII)) b.append('%').append(HexFormat.of().withUpperCase().toHexDigits(x));
        return b.toString();
    }

    private static String jsonEscapes(String s) {
        StringBuilder b = new StringBuilder(s.length() * 6);
        for (int i = 0; i < s.length(); i++) b.append("\\u00").append(HexFormat.of().toHexDigits((byte) s.charAt(i)));
        return b.toString();
    }
}
