package io.claudebottle.backend.nativ;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An interactive native bottle started from a terminal gives the agent a terminal of its own: the
 * launcher runs under {@code script} (a real pty, sized 33x111), the agent must see a tty on
 * stdin, a {@code /dev/pts} path, the outer size, its own session with that pty as controlling
 * terminal, and Ctrl-C typed on the outer terminal must reach the agent, not end the launcher.
 * The launcher's terminal settings are back as they were afterwards.
 */
class TerminalTest {

    @TempDir
    Path temp;

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void theAgentGetsARealTerminalAndCtrlCReachesIt(SandboxTool tool) throws Exception {
        SandboxSupport.assumeSandbox(tool);
        assumeTrue(SandboxTool.executable("script").isPresent() || SandboxSupport.REQUIRE_ALL,
                "script (util-linux) is missing: it gives the launcher a terminal");
        String agent = """
                trap 'echo; echo GOT-INT; exit 7' INT
                echo "TTY=$(tty)"
                if [ -t 0 ] && [ -t 1 ]; then echo STDIN-IS-TTY; fi
                echo "SIZE=$(stty size)"
                echo "SESSION=$(ps -o sid= -p $$ | tr -d ' ') PID=$$ CTTY=$(ps -o tty= -p $$)"
                echo READY
                sleep 30 & wait
                echo NO-INT
                """;
        String out = underScript(tool, agent, "READY", "\u0003");
        assertThat(out).as(out).contains("STDIN-IS-TTY", "SIZE=33 111", "GOT-INT", "exit=7", "terminal-restored=true")
                .doesNotContain("NO-INT");
        assertThat(out).containsPattern("TTY=/dev/pts/\\d+");
        assertThat(out).containsPattern("CTTY=pts/\\d+");
        var session = java.util.regex.Pattern.compile("SESSION=(\\d+) PID=(\\d+)").matcher(out);
        assertThat(session.find()).as(out).isTrue();
        assertThat(session.group(1)).as("the agent leads a session of its own").isEqualTo(session.group(2));
    }

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void aPipedAgentCannotReachTheLaunchersTerminal(SandboxTool tool) throws Exception {
        SandboxSupport.assumeSandbox(tool);
        assumeTrue(SandboxTool.executable("script").isPresent() || SandboxSupport.REQUIRE_ALL,
                "script (util-linux) is missing: it gives the launcher a terminal");
        // /dev/tty would be the user's terminal if the agent shared the launcher's session, and
        // TIOCSTI on it types into the user's shell
        String agent = """
                if (exec 3</dev/tty) 2>/dev/null; then echo CTTY-REACHABLE; else echo NO-CTTY; fi
                """;
        String out = underScript(tool, agent, null, null, "TERMINAL_PROBE_PIPES=1");
        assertThat(out).as(out).contains("NO-CTTY", "exit=0").doesNotContain("CTTY-REACHABLE");
    }

    /** Runs {@link TerminalProbe} on a 33x111 pty; types {@code keys} once {@code cue} was printed. */
    private String underScript(SandboxTool tool, String agent, String cue, String keys, String... env) throws Exception {
        Path agentFile = Files.writeString(temp.resolve("agent.sh"), agent);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path launcher = Files.writeString(temp.resolve("launch.sh"), String.join("\n",
                "stty rows 33 cols 111",
                String.join(" ", env) + " exec " + q(java) + " --enable-native-access=ALL-UNNAMED -cp "
                        + q(System.getProperty("java.class.path")) + " " + TerminalProbe.class.getName() + " " + tool.name()
                        + " " + q(temp.toString()) + " \"$(cat " + q(agentFile.toString()) + ")\"", ""));
        Process script = new ProcessBuilder("script", "-qec", "sh " + q(launcher.toString()), "/dev/null")
                .redirectErrorStream(true).start();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        OutputStream keyboard = script.getOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> read(script.getInputStream(), seen, cue, keys, keyboard));
        boolean ended = script.waitFor(90, TimeUnit.SECONDS);
        if (!ended) {
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
        }
        reader.join(5000);
        keyboard.close();
        String out = seen.toString(StandardCharsets.UTF_8);
        assertThat(ended).as("the launcher under script did not end: " + out).isTrue();
        return out;
    }

    private static void read(InputStream in, ByteArrayOutputStream seen, String cue, String keys, OutputStream keyboard) {
        byte[] buffer = new byte[4096];
        boolean typed = cue == null;
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                synchronized (seen) {
                    seen.write(buffer, 0, n);
                }
                if (!typed && seen.toString(StandardCharsets.UTF_8).contains(cue)) {
                    typed = true;
                    keyboard.write(keys.getBytes(StandardCharsets.UTF_8));
                    keyboard.flush();
                }
            }
        } catch (IOException ended) {
            // the launcher is gone
        }
    }

    private static String q(String word) {
        return UnshareScript.q(word);
    }
}
