package io.claudebottle.backend.nativ;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
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
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
                    if (!mode.contains(PosixFilePermission.OTHERS_READ) || !mode.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                        directories.add(dir);
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (attrs.isRegularFile()
                            && !Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ)) {
                        files.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new SandboxException("cannot scan " + root + " for files to hide from the sandbox: " + e.getMessage(), e);
        }
        return new EtcMasks(files, directories);
    }
}
