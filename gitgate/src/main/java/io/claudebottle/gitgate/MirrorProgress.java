package io.claudebottle.gitgate;

/**
 * Progress of each mirror's first sync with its upstream (the first clone of a large upstream can
 * take a while; the launcher shows it), then its end. The refreshes before each fetch report
 * nothing. Called from gate threads; must be thread-safe.
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

    /**
     * The first sync of {@code repo} has ended.
     *
     * @param failure null when the mirror is ready, else why the upstream could not be mirrored
     */
    default void finished(String repo, String failure) {
    }
}
