package io.claudebottle.backend.nativ;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The program that creates a sandbox's namespaces. */
public enum SandboxTool {
    /** bubblewrap: one exec sets up everything (~6 ms). */
    BWRAP,
    /** util-linux {@code unshare} plus a setup script: the fallback when bubblewrap is not installed. */
    UNSHARE;

    /** bubblewrap when installed, else unshare; fails naming the package to install when neither works. */
    public static SandboxTool detect() {
        if (BWRAP.available()) {
            return BWRAP;
        }
        if (UNSHARE.available()) {
            return UNSHARE;
        }
        throw new SandboxException("no sandbox tool: neither bwrap nor unshare/setpriv/pivot_root is on PATH"
                + " (fix: apt-get install bubblewrap)");
    }

    /** Whether this machine has every program the tool needs. */
    public boolean available() {
        return switch (this) {
            case BWRAP -> executable("bwrap").isPresent();
            case UNSHARE -> List.of("unshare", "setpriv", "pivot_root", "mount", "ip")
                    .stream().allMatch(name -> executable(name).isPresent());
        };
    }

    static Optional<Path> executable(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
