package io.claudebottle.backend.nativ;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fallback when bubblewrap is missing: util-linux {@code unshare} creates the namespaces and a
 * shell script inside them builds the same view bwrap would (tmpfs root, binds, pivot_root),
 * brings {@code lo} up, waits at the gate and drops every capability with {@code setpriv}.
 */
final class UnshareScript {

    private static final List<String> DEVICES = List.of("null", "zero", "full", "random", "urandom", "tty");

    private UnshareScript() {
    }

    static List<String> argv(List<MountOp> layout, SandboxSpec spec, Path newRoot) {
        List<String> argv = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--",
                "unshare", "--user", "--map-root-user", "--mount", "--pid", "--fork", "--kill-child",
                "--net", "--ipc", "--uts", "--propagation", "private",
                "/bin/sh", "-c", script(layout, spec, newRoot), "bottle-sandbox"));
        argv.addAll(spec.command());
        return argv;
    }

    static String script(List<MountOp> layout, SandboxSpec spec, Path newRoot) {
        String root = q(newRoot.toString());
        StringBuilder s = new StringBuilder("set -e\n");
        s.append("R=").append(root).append('\n');
        s.append("mount -t tmpfs -o mode=0755 bottle-root \"$R\"\n");
        for (MountOp op : layout) {
            String at = "\"$R\"" + q(op.target());
            switch (op) {
                case MountOp.ReadOnlyBind(var source, var target) -> {
                    s.append(mountPoint(source, at));
                    s.append("mount --rbind ").append(q(source.toString())).append(' ').append(at).append('\n');
                    s.append("mount -o remount,bind,ro ").append(at).append('\n');
                }
                case MountOp.WritableBind(var source, var target) -> {
                    s.append(mountPoint(source, at));
                    s.append("mount --rbind ").append(q(source.toString())).append(' ').append(at).append('\n');
                }
                case MountOp.Symlink(var linkTarget, var target) ->
                        s.append("ln -s ").append(q(linkTarget)).append(' ').append(at).append('\n');
                case MountOp.Tmpfs(var target) -> s.append("mkdir -p ").append(at)
                        .append("\nmount -t tmpfs -o mode=1777,nosuid,nodev bottle-tmp ").append(at).append('\n');
                case MountOp.HiddenDirectory(var target) -> s.append("mount -t tmpfs -o ro,mode=0755 bottle-hidden ")
                        .append(at).append('\n');
                case MountOp.HiddenFile(var empty, var target) -> s.append("mount --bind ").append(q(empty.toString()))
                        .append(' ').append(at).append('\n');
                case MountOp.Proc(var target) -> s.append("mkdir -p ").append(at)
                        .append("\nmount -t proc -o nosuid,nodev,noexec proc ").append(at)
                        // no nested user namespaces (bwrap: --disable-userns); the limit is per namespace
                        .append("\necho 0 > ").append(at).append("/sys/user/max_user_namespaces\n");
                case MountOp.ReadOnlyProcEntry(var target) -> s.append("if [ -e ").append(at).append(" ]; then mount --bind ")
                        .append(at).append(' ').append(at).append("; mount -o remount,bind,ro ").append(at).append("; fi\n");
                case MountOp.Dev(var target) -> s.append(dev(at));
            }
        }
        s.append("ip link set lo up\n");
        s.append("hostname bottle\n");
        s.append("cd \"$R\"; mkdir .old; pivot_root . .old; umount -l /.old; rmdir /.old\n");
        s.append("mount -o remount,bind,ro /\n");
        s.append("cd ").append(q(spec.workDir().toString())).append('\n');
        s.append("unset OLDPWD\nset +e\n");
        s.append(Gate.handshake()).append('\n');
        s.append("exec setpriv --no-new-privs --bounding-set=-all --inh-caps=-all --ambient-caps=-all -- \"$@\"\n");
        return s.toString();
    }

    private static String mountPoint(Path source, String at) {
        return Files.isDirectory(source)
                ? "mkdir -p " + at + "\n"
                : "mkdir -p \"$(dirname " + at + ")\"; [ -e " + at + " ] || touch " + at + "\n"; // e.g. /etc/hosts on the read-only /etc
    }

    private static String dev(String at) {
        StringBuilder s = new StringBuilder();
        s.append("mkdir -p ").append(at).append("\nmount -t tmpfs -o mode=0755,nosuid bottle-dev ").append(at).append('\n');
        for (String device : DEVICES) {
            s.append("touch ").append(at).append('/').append(device)
                    .append("; mount --bind /dev/").append(device).append(' ').append(at).append('/').append(device).append('\n');
        }
        s.append("mkdir ").append(at).append("/pts ").append(at).append("/shm\n");
        s.append("mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts ").append(at).append("/pts\n");
        s.append("mount -t tmpfs -o mode=1777,nosuid,nodev bottle-shm ").append(at).append("/shm\n");
        s.append("ln -s pts/ptmx ").append(at).append("/ptmx; ln -s /proc/self/fd ").append(at).append("/fd\n");
        s.append("ln -s /proc/self/fd/0 ").append(at).append("/stdin; ln -s /proc/self/fd/1 ").append(at)
                .append("/stdout; ln -s /proc/self/fd/2 ").append(at).append("/stderr\n");
        return s.toString();
    }

    /** Single-quotes a word for sh. */
    static String q(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
