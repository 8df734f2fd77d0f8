package io.claudebottle.sidecar;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class MirrorSyncPrinterTest {
    private final List<String> printed = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();
    private final MirrorSyncPrinter printer = new MirrorSyncPrinter(printed::add, now::get);

    @Test
    void aQuickSyncShowsOnlyItsEnd() {
        printer.update("small", "Receiving objects", 0, 3);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1500));
        printer.update("small", "Receiving objects", 3, 3);
        printer.finished("small", null);
        assertThat(printed).containsExactly("git-gate: small: mirror ready");
    }

    @Test
    void aLongSyncShowsEachTaskEveryTenthOnceItHasTakenAWhile() {
        printer.update("big", "Receiving objects", 0, 1000);
        now.addAndGet(MirrorSyncPrinter.QUIET_NANOS);
        printer.update("big", "Receiving objects", 300, 1000);
        printer.update("big", "Receiving objects", 350, 1000);
        printer.update("big", "Receiving objects", 400, 1000);
        printer.update("big", "Resolving deltas", 0, 0); // unknown total: nothing to show
        printer.update("big", "Resolving deltas", 10, 10);
        printer.finished("big", "cannot mirror ssh://git@example.test/big.git: connection refused");
        assertThat(printed).containsExactly(
                "git-gate: big: Receiving objects 30% (300/1000)",
                "git-gate: big: Receiving objects 40% (400/1000)",
                "git-gate: big: Resolving deltas 100% (10/10)",
                "git-gate: big: first sync failed: cannot mirror ssh://git@example.test/big.git: connection refused");
    }
}
