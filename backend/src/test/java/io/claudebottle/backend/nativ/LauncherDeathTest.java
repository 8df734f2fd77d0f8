package io.claudebottle.backend.nativ;

import static io.claudebottle.backend.nativ.SandboxSupport.assumeSandbox;
import static io.claudebottle.backend.nativ.SandboxSupport.workDir;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A launcher killed with SIGKILL (no close(), no shutdown hook) takes its sandbox with it, a
 * command still held at the gate never runs, and the next launch (or gc) removes the stage
 * directory it left.
 */
class LauncherDeathTest {

    @TempDir
    Path temp;

    @ParameterizedTest
    @CsvSource({"BWRAP, true", "BWRAP, false", "UNSHARE, true", "UNSHARE, false"})
    void aKilledLauncherLeavesNoSandboxRunning(SandboxTool tool, boolean started) throws Exception {
        assumeSandbox(tool);
        Path work = workDir(temp);
        String classpath = String.join(File.pathSeparator, location(OrphanProbe.class), location(NamespaceSandbox.class),
                location(io.claudebottle.sidecar.StartTrace.class));
        Process launcher = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", classpath, OrphanProbe.class.getName(),
                tool.name(), work.toString(), Boolean.toString(started)).redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(line).startsWith("pid=");
        long pid = Long.parseLong(line.substring(4, line.indexOf(' ')));
        Path stage = Path.of(line.substring(line.indexOf("stage=") + 6));
        assertThat(NamespaceSandbox.removeLeftovers()).as("a live launcher's stage stays").doesNotContain(stage);
        if (started) {
            for (int i = 0; i < 100 && !work.resolve("ran").toFile().exists(); i++) {
                Thread.sleep(20);
            }
        }
        assertThat(Sandbox.running(pid)).isTrue();
        launcher.destroyForcibly().waitFor();
        for (int i = 0; i < 250 && Sandbox.running(pid); i++) {
            Thread.sleep(20);
        }
        assertThat(Sandbox.running(pid)).as("sandbox init " + pid + " after its launcher was killed").isFalse();
        assertThat(work.resolve("ran").toFile().exists()).as("the command ran").isEqualTo(started);
        assertThat(stage).as("a killed launcher cannot remove its stage directory").exists();
        assertThat(NamespaceSandbox.removeLeftovers()).contains(stage);
        assertThat(stage).doesNotExist();
    }

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
