package io.claudebottle.backend.nativ;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Run by {@link TerminalTest} in a JVM of its own on a terminal (under {@code script}): one native
 * bottle, interactive unless {@code TERMINAL_PROBE_PIPES} is set, whose agent runs {@code args[2]}; prints the launcher's terminal settings
 * before and after, and the agent's exit code.
 */
public final class TerminalProbe {

    private TerminalProbe() {
    }

    /** args: TOOL BASE-DIR AGENT-SCRIPT */
    public static void main(String[] args) throws Exception {
        Path base = Path.of(args[1]);
        Path work = Files.createDirectories(base.resolve("work"));
        boolean interactive = System.getenv("TERMINAL_PROBE_PIPES") == null;
        ObjectNode config = JsonMapper.builder().build().createObjectNode();
        config.putObject("egress").putArray("allowlist");
        BottleLaunch launch = new BottleLaunch("tty", "tty", config, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(),
                List.of("bash", "-c", args[2]), interactive, Optional.empty(), new BottleLaunch.Images("none", "none"));
        String before = stty();
        int code;
        try (NativeBackend backend = new NativeBackend(base.resolve("state"), work, SandboxTool.valueOf(args[0]));
             RunningBottle bottle = backend.start(launch, Backend.Progress.SILENT)) {
            RunningBottle.AgentResult result = bottle.runAgent(Duration.ofSeconds(60));
            code = result.exitCode();
            System.out.print(result.stdout().replace("\n", "\r\n"));
        }
        System.out.print("\r\nexit=" + code + "\r\n");
        System.out.print("terminal-restored=" + before.equals(stty()) + "\r\n");
        System.out.flush();
    }

    private static String stty() throws Exception {
        Process p = new ProcessBuilder("stty", "-g").redirectInput(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }
}
