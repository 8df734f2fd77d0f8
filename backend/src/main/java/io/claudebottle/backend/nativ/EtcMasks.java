package io.claudebottle.backend.nativ;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Files under /etc the host keeps from other users (e.g. {@code /etc/shadow},
 * {@code /etc/docker/key.json}, {@code /etc/ssl/private}). A sandbox launched by root runs as the
 * owner of those files, so dropping capabilities alone would not hide them; they are overlaid
 * with an empty file or an empty directory instead.
 *
 * @param files       files to overlay with an empty file
 * @param directories directories to overlay with an empty read-only directory
 */
record EtcMasks(List<Path> files, List<Path> directories) {

    static final EtcMasks NONE = new EtcMasks(List.of(), List.of());
    private static volatile EtcMasks cached;

    EtcMasks {
        files = List.copyOf(files);
        directories = List.copyOf(directories);
    }

    /** The masks for /etc, computed once per JVM (about a millisecond per thousand entries). */
    static EtcMasks forEtc() {
        EtcMasks masks = cached;
        if (masks == null) {
            masks = scan(Path.of("/etc"));
            cached = masks;
        }
        return masks;
    }

    static EtcMasks scan(Path root) {
        List<Path> files = new ArrayList<>();
        List<Path> directories = new ArrayList<>();
        try {
            if (hiddenDirectory(Files.readAttributes(root, PosixFileAttributes.class))) {
                directories.add(root);
            } else {
                scanDirectory(root, files, directories);
            }
        } catch (IOException e) {
            throw new SandboxException("cannot scan " + root + " for files to hide from the sandbox: " + e.getMessage(), e);
        }
        return new EtcMasks(files, directories);
    }

    /**
     * One stat per entry (Files.walkFileTree took two: its own and the permissions'), links not
     * followed. As walkFileTree with this visitor did: an entry or a directory that cannot be opened
     * is left as it is, but a directory whose listing fails part-way fails the scan (fail closed).
     */
    private static void scanDirectory(Path dir, List<Path> files, List<Path> directories) throws IOException {
        DirectoryStream<Path> entries;
        try {
            entries = Files.newDirectoryStream(dir);
        } catch (IOException unopenable) {
            return;
        }
        try (entries) {
            for (Path entry : entries) {
                PosixFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(entry, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException vanished) {
                    continue;
                }
                if (attributes.isDirectory()) {
                    if (hiddenDirectory(attributes)) {
                        directories.add(entry);
                    } else {
                        scanDirectory(entry, files, directories);
                    }
                } else if (attributes.isRegularFile() && !attributes.permissions().contains(PosixFilePermission.OTHERS_READ)) {
                    files.add(entry);
                }
            }
        } catch (java.nio.file.DirectoryIteratorException e) {
            throw e.getCause();
        }
    }

    private static boolean hiddenDirectory(PosixFileAttributes attributes) {
        Set<PosixFilePermission> mode = attributes.permissions();
        return !mode.contains(PosixFilePermission.OTHERS_READ) || !mode.contains(PosixFilePermission.OTHERS_EXECUTE);
    }
}
