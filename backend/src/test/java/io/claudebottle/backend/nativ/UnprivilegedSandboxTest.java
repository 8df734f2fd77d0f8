package io.claudebottle.backend.nativ;

import static io.claudebottle.backend.nativ.SandboxSupport.REQUIRE_ALL;
import static io.claudebottle.backend.nativ.SandboxSupport.ROOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The whole path as an unprivileged user (nobody), from a root test run: a JVM of its own,
 * started with setpriv, creates the sandbox rootless, finds setns refused, and binds through the
 * helper instead. (A test run that is itself unprivileged exercises the same path directly.)
 */
class UnprivilegedSandboxTest {

    private static final int NOBODY = 65534;

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void aNobodyJvmRunsASandboxAndServesIntoIt(SandboxTool tool) throws Exception {
        assumeTrue(ROOT, "not root: this run is already unprivileged, so the other tests cover it");
        assumeTrue(SandboxTool.executable("setpriv").isPresent() || REQUIRE_ALL, "setpriv (util-linux) is missing");
        SandboxSupport.assumeSandbox(tool);
        assumeTrue(UserNamespaces.whyDisabled(false).isEmpty() || REQUIRE_ALL,
                UserNamespaces.whyDisabled(false).orElse(""));
        String classpath = String.join(File.pathSeparator, location(UnprivilegedProbe.class), location(NamespaceSandbox.class),
                location(io.claudebottle.sidecar.StartTrace.class));
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process probe = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--",
                java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath, UnprivilegedProbe.class.getName(), tool.name())
                .directory(new File("/tmp")).redirectErrorStream(true).start();
        String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as(out).contains("euid=" + NOBODY, "setns=", "Operation not permitted", "method=HELPER",
                "sandbox: reply=echo:ping", "sandbox: CapEff:\t0000000000000000", "exit=0", "running-after-close=false");
        assertThat(probe.exitValue()).as(out).isZero();
    }

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

}
