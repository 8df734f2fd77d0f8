package io.claudebottle.backend.nativ;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The filesystem view of a sandbox as an ordered list of steps: later steps land on top of
 * earlier ones, so the private home and the work directory come after /tmp.
 */
final class SandboxLayout {

    /** Host-wide writable /proc entries (bwrap covers four of them itself, but not /proc/sys). */
    static final List<String> PROC_READ_ONLY = List.of("sys", "sysrq-trigger", "irq", "bus", "fs", "mtrr", "pressure",
            "acpi", "scsi", "driver", "tty", "sysvipc", "asound");

    /** File name of the staged {@code /etc/hosts} in the stage directory. */
    static final String ETC_HOSTS = "etc-hosts";

    private static final List<String> ROOT_LINKS = List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32");

    private SandboxLayout() {
    }

    static List<MountOp> of(SandboxSpec spec, Path stagedHome, Path emptyFile, EtcMasks masks) {
        List<MountOp> ops = new ArrayList<>();
        ops.add(new MountOp.ReadOnlyBind(Path.of("/usr"), "/usr"));
        ops.add(new MountOp.ReadOnlyBind(Path.of("/etc"), "/etc"));
        masks.directories().forEach(dir -> ops.add(new MountOp.HiddenDirectory(dir.toString())));
        masks.files().forEach(file -> ops.add(new MountOp.HiddenFile(emptyFile, file.toString())));
        if (spec.etcHosts() != null) {
            // staged next to the empty file by the launcher
            ops.add(new MountOp.ReadOnlyBind(emptyFile.resolveSibling(ETC_HOSTS), "/etc/hosts"));
        }
        for (String name : ROOT_LINKS) {
            Path host = Path.of("/", name);
            try {
                if (Files.isSymbolicLink(host)) {
                    ops.add(new MountOp.Symlink(Files.readSymbolicLink(host).toString(), host.toString()));
                } else if (Files.isDirectory(host)) {
                    ops.add(new MountOp.ReadOnlyBind(host, host.toString()));
                }
            } catch (IOException e) {
                throw new SandboxException("cannot read the link " + host + ": " + e.getMessage(), e);
            }
        }
        ops.add(new MountOp.Proc("/proc"));
        PROC_READ_ONLY.forEach(entry -> ops.add(new MountOp.ReadOnlyProcEntry("/proc/" + entry)));
        ops.add(new MountOp.Dev("/dev"));
        ops.add(new MountOp.Tmpfs("/tmp"));
        ops.add(new MountOp.WritableBind(stagedHome, spec.home()));
        for (Map.Entry<String, Path> grant : spec.homeReadOnly().entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList()) {
            ops.add(new MountOp.ReadOnlyBind(grant.getValue(), spec.home() + "/" + grant.getKey()));
        }
        ops.add(new MountOp.WritableBind(spec.workDir(), spec.workDir().toString()));
        return List.copyOf(ops);
    }
}
