package io.claudebottle.gitgate;

import org.eclipse.jgit.lib.ProgressMonitor;

/** Forwards JGit progress to a {@link MirrorProgress}, at most once per percent (or per 1000 units). */
final class ProgressAdapter implements ProgressMonitor {
    private final String repo;
    private final MirrorProgress sink;
    private String task = "";
    private int total;
    private int done;
    private int lastReported = -1;

    ProgressAdapter(String repo, MirrorProgress sink) {
        this.repo = repo;
        this.sink = sink;
    }

    @Override
    public void start(int totalTasks) {
    }

    @Override
    public void beginTask(String title, int totalWork) {
        task = title;
        total = totalWork == UNKNOWN ? 0 : totalWork;
        done = 0;
        lastReported = -1;
        sink.update(repo, task, 0, total);
    }

    @Override
    public void update(int completed) {
        done += completed;
        int bucket = total > 0 ? (int) (100L * done / total) : done / 1000;
        if (bucket != lastReported) {
            lastReported = bucket;
            sink.update(repo, task, done, total);
        }
    }

    @Override
    public void endTask() {
        sink.update(repo, task, total > 0 ? total : done, total);
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public void showDuration(boolean enabled) {
    }
}
