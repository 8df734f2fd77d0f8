package io.claudebottle.backend.nativ;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Why this kernel would refuse to create a user namespace, read from the sysctls that control it,
 * so the error names the knob to turn instead of a bare "Operation not permitted".
 */
final class UserNamespaces {

    private UserNamespaces() {
    }

    /** Empty when user namespaces should work for the current user; else the reason and the fix. */
    static Optional<String> whyDisabled(boolean root) {
        return whyDisabled(Path.of("/proc/sys"), root);
    }

    static Optional<String> whyDisabled(Path procSys, boolean root) {
        if (readInt(procSys.resolve("user/max_user_namespaces")) == 0) {
            return Optional.of("user namespaces are disabled: sysctl user.max_user_namespaces = 0"
                    + " (fix: sysctl -w user.max_user_namespaces=15000)");
        }
        if (root) {
            return Optional.empty();
        }
        if (readInt(procSys.resolve("kernel/unprivileged_userns_clone")) == 0) {
            return Optional.of("unprivileged user namespaces are disabled: sysctl kernel.unprivileged_userns_clone = 0"
                    + " (fix: sysctl -w kernel.unprivileged_userns_clone=1, or run as root)");
        }
        if (readInt(procSys.resolve("kernel/apparmor_restrict_unprivileged_userns")) == 1) {
            return Optional.of("AppArmor restricts unprivileged user namespaces:"
                    + " sysctl kernel.apparmor_restrict_unprivileged_userns = 1"
                    + " (fix: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0,"
                    + " or an AppArmor profile granting 'userns' to bwrap)");
        }
        return Optional.empty();
    }

    /** The value of an integer sysctl file, or -1 when the kernel does not have it. */
    private static int readInt(Path file) {
        try {
            return Integer.parseInt(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
