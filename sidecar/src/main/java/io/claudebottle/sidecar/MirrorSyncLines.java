package io.claudebottle.sidecar;

import java.util.Collection;
import java.util.Optional;

/**
 * The sidecar's stderr lines about the first sync of each git-gate mirror: its progress, then one
 * line that ends it. The native launcher shows them as the sidecar prints them; the Docker launcher
 * follows them in the sidecar container's log until every repo's last line.
 */
public final class MirrorSyncLines {
    private static final String PREFIX = "git-gate: ";
    private static final String READY = ": mirror ready";
    private static final String FAILED = ": first sync failed: ";

    private MirrorSyncLines() {}

    static String progress(String repo, String task, int percent, int done, int total) {
        return PREFIX + repo + ": " + task + " " + percent + "% (" + done + "/" + total + ")";
    }

    static String ready(String repo) {
        return PREFIX + repo + READY;
    }

    static String failed(String repo, String why) {
        return PREFIX + repo + FAILED + why;
    }

    /** Whether {@code line} is one of these (and so worth showing the user). */
    public static boolean isSyncLine(String line) {
        return line.startsWith(PREFIX);
    }

    /** The repo of {@code repos} whose first sync {@code line} ends, if it ends one. */
    public static Optional<String> endedRepo(String line, Collection<String> repos) {
        if (!line.startsWith(PREFIX)) return Optional.empty();
        return repos.stream().filter(repo -> line.equals(ready(repo)) || line.startsWith(PREFIX + repo + FAILED)).findFirst();
    }
}
