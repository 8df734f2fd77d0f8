package io.claudebottle.backend.nativ;

import java.util.ArrayList;
import java.util.List;

/** The bubblewrap command line for a sandbox; the prelude then waits at the gate (see {@link Gate}). */
final class BwrapCommand {

    private BwrapCommand() {
    }

    static List<String> argv(String bwrap, List<MountOp> layout, SandboxSpec spec) {
        List<String> argv = new ArrayList<>(List.of(bwrap,
                "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--disable-userns", "--hostname", "bottle", "--die-with-parent", "--new-session",
                "--cap-drop", "ALL"));
        for (MountOp op : layout) {
            switch (op) {
                case MountOp.ReadOnlyBind(var source, var target) -> add(argv, "--ro-bind", source.toString(), target);
                case MountOp.WritableBind(var source, var target) -> add(argv, "--bind", source.toString(), target);
                case MountOp.Symlink(var linkTarget, var target) -> add(argv, "--symlink", linkTarget, target);
                case MountOp.Tmpfs(var target) -> add(argv, "--tmpfs", target);
                case MountOp.HiddenDirectory(var target) -> {
                    add(argv, "--tmpfs", target);
                    add(argv, "--remount-ro", target);
                }
                case MountOp.HiddenFile(var empty, var target) -> add(argv, "--ro-bind", empty.toString(), target);
                case MountOp.Proc(var target) -> add(argv, "--proc", target);
                // the source is the host's entry: these knobs are the same in every PID namespace
                case MountOp.ReadOnlyProcEntry(var target) -> add(argv, "--ro-bind-try", target, target);
                case MountOp.Dev(var target) -> add(argv, "--dev", target);
            }
        }
        add(argv, "--remount-ro", "/");
        add(argv, "--chdir", spec.workDir().toString());
        argv.add("--");
        argv.addAll(Gate.prelude(spec.command()));
        return argv;
    }

    private static void add(List<String> argv, String... words) {
        argv.addAll(List.of(words));
    }
}
