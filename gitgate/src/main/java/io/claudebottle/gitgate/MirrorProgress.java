package io.claudebottle.gitgate;

/**
 * Progress of mirror clones and refreshes (the first clone of a large upstream can take a while;
 * the launcher shows it). Called from gate threads; must be thread-safe.
 */
@FunctionalInterface
public interface MirrorProgress {
    MirrorProgress NONE = (repo, task, done, total) -> { };

    /**
     * @param repo  repo name
     * @param task  what is running, e.g. {@code Receiving objects}
     * @param done  units done so far
     * @param total total units, or 0 when unknown
     */
    void update(String repo, String task, int done, int total);
}
