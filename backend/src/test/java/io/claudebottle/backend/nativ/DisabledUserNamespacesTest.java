package io.claudebottle.backend.nativ;

import static io.claudebottle.backend.nativ.SandboxSupport.assumeSandbox;
import static io.claudebottle.backend.nativ.SandboxSupport.workDir;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * With user namespaces disabled the launch fails naming the sysctl. Disabled for real, without
 * touching the machine: the limit is per user namespace, so the launcher runs in one whose
 * {@code user.max_user_namespaces} is 0.
 */
class DisabledUserNamespacesTest {

    @TempDir
    Path temp;

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void theErrorNamesTheSysctlAndTheFix(SandboxTool tool) throws Exception {
        assumeSandbox(tool);
        assumeSandbox(SandboxTool.UNSHARE);
        String classpath = String.join(File.pathSeparator, location(DisabledUserNamespacesProbe.class),
                location(NamespaceSandbox.class));
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process probe = new ProcessBuilder("unshare", "--user", "--map-root-user", "--", "/bin/sh", "-c",
                "echo 0 > /proc/sys/user/max_user_namespaces && exec \"$@\"", "disable-userns",
                java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath, DisabledUserNamespacesProbe.class.getName(),
                tool.name(), workDir(temp).toString()).redirectErrorStream(true).start();
        String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as(out).contains("error=cannot create a native sandbox: user namespaces are disabled:"
                + " sysctl user.max_user_namespaces = 0 (fix: sysctl -w user.max_user_namespaces=15000)");
    }

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
