package io.claudebottle.backend.nativ;

import io.claudebottle.backend.BottleInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A launcher killed with SIGKILL takes its sidecar and its sandbox with it; what stays is the state
 * directory, which {@code leftovers()} reports and {@code gc()} removes.
 */
class NativeLauncherDeathTest {

    @TempDir
    Path temp;

    @Test
    void aKilledLauncherLeavesOnlyStateThatGcRemoves() throws Exception {
        SandboxTool tool = SandboxTool.detect();
        SandboxSupport.assumeSandbox(tool);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process launcher = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), NativeBottleProbe.class.getName(), tool.name(), "hang",
                temp.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
            Matcher up = null;
            for (String line; (line = out.readLine()) != null; ) {
                Matcher m = Pattern.compile("up id=(\\S+) sidecar=(\\d+) sandbox=(\\d+)").matcher(line);
                if (m.find()) {
                    up = m;
                    break;
                }
            }
            assertThat(up).as("the probe never reported its bottle").isNotNull();
            long sidecar = Long.parseLong(up.group(2));
            long sandbox = Long.parseLong(up.group(3));
            assertThat(Sandbox.running(sidecar)).isTrue();

            launcher.destroyForcibly();
            assertThat(launcher.waitFor(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 100 && (Sandbox.running(sidecar) || Sandbox.running(sandbox)); i++) {
                Thread.sleep(100);
            }
            assertThat(Sandbox.running(sidecar)).as("sidecar outlived its launcher").isFalse();
            assertThat(Sandbox.running(sandbox)).as("sandbox outlived its launcher").isFalse();

            NativeBackend backend = new NativeBackend(temp.resolve("state"), temp, tool);
            assertThat(backend.leftovers()).extracting(BottleInfo::bottleId).containsExactly(up.group(1));
            assertThat(backend.gc()).containsExactly(up.group(1));
            assertThat(temp.resolve("state").resolve(up.group(1))).doesNotExist();
        } finally {
            launcher.destroyForcibly();
        }
    }
}
