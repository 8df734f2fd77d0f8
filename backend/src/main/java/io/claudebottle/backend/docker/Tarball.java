package io.claudebottle.backend.docker;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * Files handed to a container through its {@code BOTTLE_FILES} variable as a base64 tar, which the
 * image's entrypoint unpacks into a tmpfs: the root file systems are read-only and a tmpfs cannot be
 * filled before the container starts. Only non-secret files travel this way.
 */
final class Tarball {

    private Tarball() {
    }

    static String base64(Map<String, String> files) {
        var bytes = new ByteArrayOutputStream();
        try (var tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (var e : new TreeMap<>(files).entrySet()) {
                byte[] content = e.getValue().getBytes(StandardCharsets.UTF_8);
                var entry = new TarArchiveEntry(e.getKey());
                entry.setSize(content.length);
                entry.setMode(0600);
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }
}
