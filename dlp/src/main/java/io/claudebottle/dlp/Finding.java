package io.claudebottle.dlp;

import java.util.Objects;

/**
 * One secret found by the engine.
 *
 * @param ruleId   the id of the rule that matched, e.g. {@code aws-access-key-id}
 * @param excerpt  a redacted excerpt: enough to recognise the secret, never the secret itself
 * @param offset   byte offset (or char offset for text input) of the match in the scanned input;
 *                 for a match inside a decoded layer, the offset of the encoded run it came from
 * @param line     1-based line of {@code offset}
 * @param path     the file or logical location (e.g. {@code header:Authorization}); empty if none
 * @param via      how the secret was hidden, e.g. {@code base64}, {@code url>base64}; empty if plain
 */
public record Finding(String ruleId, String excerpt, long offset, int line, String path, String via) {
    /**
     * The rule id of a finding that reports no secret but an input the engine stopped scanning
     * (it holds more candidate matches than any real text, e.g. a rule's keyword repeated a million
     * times): nothing can be said about the rest of it, so callers must refuse it like a secret.
     */
    public static final String UNSCANNABLE = "unscannable";

    public Finding {
        Objects.requireNonNull(ruleId, "ruleId");
        Objects.requireNonNull(excerpt, "excerpt");
        path = path == null ? "" : path;
        via = via == null ? "" : via;
    }

    /** Whether this finding reports an input that could not be scanned to the end, not a secret. */
    public boolean unscannable() {
        return UNSCANNABLE.equals(ruleId);
    }

    /** The same finding, attributed to {@code newPath}. */
    public Finding at(String newPath) {
        return new Finding(ruleId, excerpt, offset, line, newPath, via);
    }
}
