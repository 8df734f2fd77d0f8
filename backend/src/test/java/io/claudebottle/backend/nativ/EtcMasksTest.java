package io.claudebottle.backend.nativ;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcMasksTest {
    @TempDir
    Path etc;

    private Path file(String name, String mode) throws Exception {
        Path p = etc.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "x");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    private Path dir(String name, String mode) throws Exception {
        Path p = Files.createDirectories(etc.resolve(name));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    @Test
    void masksWhatOthersCannotReadAndSkipsInsideHiddenDirectories() throws Exception {
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxr-xr-x")); // @TempDir makes it 0700
        Path shadow = file("shadow", "rw-r-----");
        file("passwd", "rw-r--r--");
        Path key = file("docker/key.json", "rw-------");
        file("docker/daemon.json", "rw-r--r--");
        file("ssl/private/server.key", "rw-------");
        Path sslPrivate = dir("ssl/private", "rwx--x---");
        Path noList = dir("sudoers.d", "rwxr-x---");
        Files.createSymbolicLink(etc.resolve("shadow-link"), shadow);

        EtcMasks masks = EtcMasks.scan(etc);

        assertThat(masks.files()).containsExactlyInAnyOrder(shadow, key);
        assertThat(masks.directories()).containsExactlyInAnyOrder(sslPrivate, noList);
    }

    @Test
    void aHiddenRootIsMaskedWhole() throws Exception {
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwx------"));
        assertThat(EtcMasks.scan(etc).directories()).containsExactly(etc);
    }
}
