package io.claudebottle.dlp;

import java.util.List;

/** What the engine concluded about a request body (or any payload with a content type). */
public sealed interface BodyVerdict {
    /** Nothing found. */
    record Clean() implements BodyVerdict {}

    /** At least one secret found; never empty. */
    record Secrets(List<Finding> findings) implements BodyVerdict {
        public Secrets {
            findings = List.copyOf(findings);
            if (findings.isEmpty()) throw new IllegalArgumentException("Secrets needs at least one finding");
        }
    }

    /**
     * The engine could not read the payload (unknown Content-Encoding, malformed multipart,
     * decompression bomb...). Callers enforcing policy must refuse it (fail closed).
     */
    record Unscannable(String reason) implements BodyVerdict {}

    default boolean isClean() {
        return this instanceof Clean;
    }
}
