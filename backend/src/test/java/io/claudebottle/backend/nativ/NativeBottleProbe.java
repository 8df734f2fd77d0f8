package io.claudebottle.backend.nativ;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Run by {@link NativeLauncherDeathTest} (with {@code hang}) in a JVM of its own, as any user: a whole
 * native bottle (sidecar services in this JVM, rootless sandbox, listeners bound through the helper), one
 * {@code key=value} line per finding.
 */
public final class NativeBottleProbe {

    private NativeBottleProbe() {
    }

    public static void main(String[] args) throws Exception {
        boolean hang = args.length > 1 && args[1].equals("hang");
        Path base = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("bottle-native-probe-");
        Path work = Files.createDirectory(base.resolve("work"));
        System.out.println("euid=" + Libc.geteuid());
        System.out.println("method=" + NetnsListeners.method());
        ObjectNode config = JsonMapper.builder().build().createObjectNode();
        config.putObject("egress").putArray("allowlist");
        BottleLaunch launch = new BottleLaunch("probe", "probe", config, Map.of("PROBE_TOKEN", String.valueOf(System.getenv("PROBE_TOKEN"))), Map.of(), Map.of(),
                Map.of(), Map.of(), List.of("bash", "-c", """
                        echo "offlist=$(curl -s -o /dev/null -w '%{http_code}' -m 10 http://other.bottle.test/)"
                        echo "ifaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')"
                        echo "uid=$(id -u)"
                        echo "view=$(cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' ') $(grep -r . ~ 2>/dev/null)"
                        """), false, Optional.empty(), new BottleLaunch.Images("none", "none"));
        NativeBackend backend = new NativeBackend(base.resolve("state"), work, SandboxTool.valueOf(args[0]));
        long sidecarPid;
        long sandboxPid;
        try (RunningBottle bottle = backend.start(launch, Backend.Progress.SILENT)) {
            NativeBottle nb = (NativeBottle) bottle;
            sidecarPid = ProcessHandle.current().pid(); // the sidecar services run in the launcher
            sandboxPid = nb.sandbox().pid();
            if (hang) {
                // for LauncherDeath: report, then wait to be killed with SIGKILL
                System.out.println("up id=" + bottle.bottleId() + " sidecar=" + sidecarPid + " sandbox=" + sandboxPid);
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
            RunningBottle.AgentResult r = bottle.runAgent(Duration.ofSeconds(60));
            r.stdout().lines().forEach(line -> System.out.println("agent-" + line));
            r.stderr().lines().forEach(line -> System.out.println("agent-err: " + line));
            System.out.println("exit=" + r.exitCode());
        }
        System.out.println("running-after-close=" + Sandbox.running(sandboxPid));
        try (var left = Files.list(base.resolve("state"))) {
            System.out.println("state-left=" + left.count());
        }
        if (args.length <= 2) {
            NativeState.deleteTree(base); // our own temp directory; a given one belongs to the caller
        }
    }
}
