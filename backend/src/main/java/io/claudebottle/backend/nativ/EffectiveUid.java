package io.claudebottle.backend.nativ;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's effective uid, read once from {@code /proc/self/status}: asking libc through FFM
 * set up the linker and spun a downcall stub on the start's critical path, for a number that
 * never changes while the launcher runs. Falls back to {@code geteuid(2)} without procfs.
 */
final class EffectiveUid {
    private static final int VALUE = read();

    private EffectiveUid() {
    }

    static int get() {
        return VALUE;
    }

    static boolean isRoot() {
        return VALUE == 0;
    }

    private static int read() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.split("\\s+")[2]); // real, effective, saved, filesystem
                }
            }
        } catch (IOException | RuntimeException e) {
            // no procfs here: ask libc
        }
        return Libc.geteuid();
    }
}
