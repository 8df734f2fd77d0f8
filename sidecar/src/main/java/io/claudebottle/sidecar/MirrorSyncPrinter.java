package io.claudebottle.sidecar;

import io.claudebottle.gitgate.MirrorProgress;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Prints each mirror's first sync as {@link MirrorSyncLines}: a sync that ends within
 * {@link #QUIET_NANOS} (a small upstream) shows only its last line; a longer one shows each task's
 * progress every tenth from then on, for the minutes the first clone of a large upstream takes.
 */
final class MirrorSyncPrinter implements MirrorProgress {
    static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Consumer<String> out;
    private final LongSupplier nanoClock;
    private final Map<String, Long> started = new ConcurrentHashMap<>();
    private final Map<String, Integer> lastTenth = new ConcurrentHashMap<>();

    MirrorSyncPrinter(Consumer<String> out, LongSupplier nanoClock) {
        this.out = out;
        this.nanoClock = nanoClock;
    }

    @Override
    public void update(String repo, String task, int done, int total) {
        long start = started.computeIfAbsent(repo, r -> nanoClock.getAsLong());
        if (total <= 0 || nanoClock.getAsLong() - start < QUIET_NANOS) return;
        int tenth = (int) (10L * done / total);
        if (lastTenth.put(repo + "\0" + task, tenth) instanceof Integer previous && previous == tenth) return;
        out.accept(MirrorSyncLines.progress(repo, task, tenth * 10, done, total));
    }

    @Override
    public void finished(String repo, String failure) {
        out.accept(failure == null ? MirrorSyncLines.ready(repo) : MirrorSyncLines.failed(repo, failure));
    }
}
