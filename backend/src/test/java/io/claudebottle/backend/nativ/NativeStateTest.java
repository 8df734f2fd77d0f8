package io.claudebottle.backend.nativ;

import io.claudebottle.backend.BackendException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The state directory is private and cannot be planted: wrong mode, a symlink, a reused pid. */
class NativeStateTest {

    @TempDir
    Path temp;

    @Test
    void aPlantedOrLooseStateDirectoryIsRefused() throws Exception {
        Path loose = Files.createDirectory(temp.resolve("loose"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> NativeState.privateDirectory(loose)).isInstanceOf(BackendException.class)
                .hasMessageContaining("mode 0700");
        Path target = NativeState.privateDirectory(temp.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(temp.resolve("link"), target);
        assertThatThrownBy(() -> NativeState.privateDirectory(link)).hasMessageContaining("symbolic link");
        assertThat(Files.getPosixFilePermissions(NativeState.privateDirectory(temp.resolve("fresh"))))
                .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void aRecordedProcessIsItselfNotWhateverReusedItsPid() {
        String me = NativeState.id(ProcessHandle.current());
        assertThat(NativeState.live(me)).isPresent();
        long pid = ProcessHandle.current().pid();
        assertThat(NativeState.live(pid + " 1970-01-01T00:00:00Z")).isEmpty();
        assertThat(NativeState.live("")).isEmpty();
        assertThat(NativeState.live("garbage")).isEmpty();
    }

    @Test
    void stateRoundTrips() throws Exception {
        Path dir = NativeState.privateDirectory(temp.resolve("b"));
        NativeState state = new NativeState("a-1", "a", "b", Instant.parse("2026-01-01T00:00:00Z"), "bwrap", "1 x", "2 y", "",
                dir.resolve("audit.jsonl").toString());
        state.write(dir);
        assertThat(NativeState.read(dir)).contains(state);
    }
}
