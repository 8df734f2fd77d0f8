package io.claudebottle.backend.nativ;

import io.claudebottle.backend.docker.SidecarApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.claudebottle.backend.nativ.SandboxSupport.REQUIRE_ALL;
import static io.claudebottle.backend.nativ.SandboxSupport.ROOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A whole native bottle launched by an unprivileged user (nobody) from a root test run: the sidecar
 * as nobody's process, a rootless sandbox, listeners bound through the helper. The class path is
 * copied to a directory nobody can read (the build's may live under /root).
 */
class NativeBackendUnprivilegedTest {

    private static final int NOBODY = 65534;

    @TempDir
    Path temp;

    @Test
    void aNobodyLauncherRunsAWholeBottle() throws Exception {
        assumeTrue(ROOT, "not root: this run is already unprivileged, so NativeBackendTest covers it");
        assumeTrue(SandboxTool.executable("setpriv").isPresent() || REQUIRE_ALL, "setpriv (util-linux) is missing");
        SandboxTool tool = SandboxTool.detect();
        assumeTrue(SandboxTool.executable("curl").isPresent() || REQUIRE_ALL, "curl is not installed (apt-get install curl)");
        SandboxSupport.assumeSandbox(tool);
        assumeTrue(UserNamespaces.whyDisabled(false).isEmpty() || REQUIRE_ALL, UserNamespaces.whyDisabled(false).orElse(""));
        Path shared = Files.createTempDirectory("bottle-native-cp-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        try {
            List<String> classpath = new ArrayList<>();
            List<Path> entries = new ArrayList<>(SidecarApp.ofThisJvm("").classpath());
            entries.add(Path.of(NativeBottleProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
            for (int i = 0; i < entries.size(); i++) {
                Path copy = shared.resolve(i + "-" + entries.get(i).getFileName());
                copyReadable(entries.get(i), copy);
                classpath.add(copy.toString());
            }
            String token = "tok-" + Long.toHexString(System.nanoTime()) + "-never-in-the-agent";
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder builder = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--",
                    java, "--enable-native-access=ALL-UNNAMED", "-cp", String.join(File.pathSeparator, classpath),
                    NativeBottleProbe.class.getName(), tool.name())
                    .directory(new File("/tmp")).redirectErrorStream(true);
            builder.environment().put("PROBE_TOKEN", token); // a token travels by environment only
            Process probe = builder.start();
            String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(probe.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(out).as(out).contains("euid=" + NOBODY, "method=HELPER", "agent-offlist=403", "agent-ifaces=lo ",
                    "agent-view=", "exit=0", "running-after-close=false", "state-left=0").doesNotContain(token);
            assertThat(probe.exitValue()).as(out).isZero();
        } finally {
            NativeState.deleteTree(shared);
        }
    }

    private static void copyReadable(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
                target.toFile().setReadable(true, false);
                if (Files.isDirectory(target)) {
                    target.toFile().setExecutable(true, false);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
