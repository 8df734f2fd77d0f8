package io.claudebottle.gitgate;

/**
 * A secret found in a push, located well enough for the agent to fix it, without the secret.
 *
 * @param ruleId  the DLP rule that matched
 * @param path    file path in the tree, or {@code (commit message)} / {@code (tag message)}
 * @param commit  abbreviated id of the first pushed commit that introduced it (tag id for tag messages)
 * @param line    1-based line in the file, 0 if unknown
 * @param excerpt the engine's redacted excerpt
 */
record PushFinding(String ruleId, String path, String commit, int line, String excerpt) {
    PushFinding {
        // Each finding becomes one "remote:" line; a path or excerpt must not start another one.
        path = path.replaceAll("\\p{Cntrl}", "?");
        excerpt = excerpt.replaceAll("\\p{Cntrl}", "?");
    }

    String describe() {
        if (unscannable()) {
            return path + (line > 0 ? ":" + line : "") + " (commit " + commit + ") is too costly to scan from here on"
                    + " (hostile or unusually dense content), so it counts as a secret";
        }
        return ruleId + " in " + path + (line > 0 ? ":" + line : "") + " (commit " + commit + "): " + excerpt;
    }

    /** A place the DLP engine gave up on within its work budget: refused like a secret, described as what it is. */
    boolean unscannable() {
        return io.claudebottle.dlp.Finding.UNSCANNABLE.equals(ruleId);
    }
}
