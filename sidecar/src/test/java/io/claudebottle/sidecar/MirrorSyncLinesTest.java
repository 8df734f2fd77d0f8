package io.claudebottle.sidecar;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MirrorSyncLinesTest {
    private static final List<String> REPOS = List.of("app", "app-docs");

    @Test
    void onlyTheLastLineOfARepoEndsItsSync() {
        assertThat(MirrorSyncLines.endedRepo(MirrorSyncLines.ready("app"), REPOS)).contains("app");
        assertThat(MirrorSyncLines.endedRepo(MirrorSyncLines.failed("app-docs", "cannot mirror x: refused"), REPOS)).contains("app-docs");
        assertThat(MirrorSyncLines.endedRepo(MirrorSyncLines.progress("app", "Receiving objects", 100, 9, 9), REPOS)).isEmpty();
        assertThat(MirrorSyncLines.endedRepo(MirrorSyncLines.ready("app-docs"), List.of("app"))).as("another repo's prefix").isEmpty();
        assertThat(MirrorSyncLines.endedRepo("git-gate: app: mirror ready soon", REPOS)).isEmpty();
        assertThat(MirrorSyncLines.endedRepo("bottle: app: mirror ready", REPOS)).isEmpty();
    }

    @Test
    void everyLineAboutASyncIsShownAndNothingElse() {
        assertThat(MirrorSyncLines.isSyncLine(MirrorSyncLines.progress("app", "Resolving deltas", 40, 4, 10))).isTrue();
        assertThat(MirrorSyncLines.isSyncLine(MirrorSyncLines.failed("app", "why"))).isTrue();
        assertThat(MirrorSyncLines.isSyncLine("egress: listening on 3128")).isFalse();
    }
}
