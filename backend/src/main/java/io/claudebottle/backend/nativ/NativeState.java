package io.claudebottle.backend.nativ;

import io.claudebottle.backend.BackendException;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What a native bottle's processes are, written to {@code <root>/<bottle-id>/bottle.json} (the
 * directory is 0700 and holds the sidecar config, CA, audit log and git mirrors too), so that
 * {@code bottle ps/stop/gc/audit} work from another launcher. Processes are recorded as
 * {@code "<pid> <start instant>"}: a pid alone may have been reused by the time anyone looks.
 *
 * @param sandbox empty until the agent's sandbox exists
 */
record NativeState(String bottleId, String agent, String bottle, Instant created, String tool, String launcher,
                   String sidecar, String sandbox, String auditLog) {

    static final String FILE = "bottle.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** {@code $XDG_RUNTIME_DIR/claude-bottle-native}, else {@code /tmp/claude-bottle-native-<uid>}; created 0700. */
    static Path defaultRoot() {
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank() && Files.isDirectory(Path.of(xdg)) && Files.isWritable(Path.of(xdg))) {
            return Path.of(xdg, "claude-bottle-native");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "claude-bottle-native-" + EffectiveUid.get());
    }

    static Path privateDirectory(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            if (Files.isSymbolicLink(dir)) {
                throw new BackendException("native bottle state directory " + dir + " is a symbolic link; remove it"
                        + " (a private directory must not point somewhere else)");
            }
            int owner = (int) Files.getAttribute(dir, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (owner != EffectiveUid.get() || !Files.getPosixFilePermissions(dir).equals(PosixFilePermissions.fromString("rwx------"))) {
                throw new BackendException("native bottle state directory " + dir + " must be owned by uid " + EffectiveUid.get()
                        + " with mode 0700 (it is uid " + owner + ", " + PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))
                        + "); remove it or set XDG_RUNTIME_DIR to a private directory");
            }
            return dir;
        } catch (IOException e) {
            throw new BackendException("cannot create the native bottle state directory " + dir + ": " + e.getMessage(), e);
        }
    }

    static String id(ProcessHandle process) {
        return process.pid() + " " + process.info().startInstant().map(Object::toString).orElse("?");
    }

    /** The live process recorded as {@code id}, if it still is the same process. */
    static Optional<ProcessHandle> live(String id) {
        if (id == null || id.isBlank()) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(id.substring(0, id.indexOf(' ')));
            return ProcessHandle.of(pid).filter(p -> id(p).equals(id)).filter(p -> Sandbox.running(p.pid()));
        } catch (RuntimeException malformed) {
            return Optional.empty();
        }
    }

    NativeState withSandbox(String sandboxId) {
        return new NativeState(bottleId, agent, bottle, created, tool, launcher, sidecar, sandboxId, auditLog);
    }

    void write(Path dir) {
        try {
            Path tmp = dir.resolve(FILE + ".tmp");
            Files.writeString(tmp, JSON.writeValueAsString(this));
            Files.move(tmp, dir.resolve(FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new BackendException("cannot write " + dir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    static Optional<NativeState> read(Path dir) {
        try {
            return Optional.of(JSON.readValue(Files.readString(dir.resolve(FILE)), NativeState.class));
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /** Every bottle directory under {@code root} (those without a readable state file too). */
    static List<Path> directories(Path root) {
        List<Path> dirs = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return dirs;
        }
        try (var entries = Files.newDirectoryStream(root, Files::isDirectory)) {
            entries.forEach(dirs::add);
        } catch (IOException e) {
            throw new BackendException("cannot list " + root + ": " + e.getMessage(), e);
        }
        dirs.sort(Comparator.naturalOrder());
        return dirs;
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new BackendException("cannot remove the native bottle directory " + dir + ": " + e.getMessage(), e);
        }
    }
}
