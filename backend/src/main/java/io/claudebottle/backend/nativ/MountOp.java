package io.claudebottle.backend.nativ;

import java.nio.file.Path;

/** One step of building a sandbox's filesystem view; rendered for bwrap or for an unshare script. */
sealed interface MountOp {

    /** Where the step lands inside the sandbox. */
    String target();

    record ReadOnlyBind(Path source, String target) implements MountOp { }

    record WritableBind(Path source, String target) implements MountOp { }

    record Symlink(String linkTarget, String target) implements MountOp { }

    /** A fresh writable tmpfs (private /tmp). */
    record Tmpfs(String target) implements MountOp { }

    /** An empty read-only directory over a host directory the sandbox must not see. */
    record HiddenDirectory(String target) implements MountOp { }

    /** An empty read-only file ({@code empty}, staged by the launcher) over a host file the sandbox must not see. */
    record HiddenFile(Path empty, String target) implements MountOp { }

    /** A /proc for the sandbox's own PID namespace. */
    record Proc(String target) implements MountOp { }

    /**
     * An entry of the sandbox's /proc made read-only, when it exists. A sandbox launched by root
     * runs as the kernel's root user (without capabilities), and many host-wide knobs under
     * /proc check only that — {@code /proc/sys/kernel/core_pattern} would be a way out.
     */
    record ReadOnlyProcEntry(String target) implements MountOp { }

    /** A minimal /dev: null, zero, full, random, urandom, tty, a private pts and shm. */
    record Dev(String target) implements MountOp { }
}
