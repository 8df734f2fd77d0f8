package io.claudebottle.backend.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The launching user's uid and gid (from /proc, so no native call is needed). */
final class Users {

    private Users() {
    }

    static int uid() {
        return field("Uid:");
    }

    static int gid() {
        return field("Gid:");
    }

    private static int field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Integer.parseInt(line.substring(name.length()).strip().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 0;
    }
}
