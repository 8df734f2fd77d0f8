package io.claudebottle.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.claudebottle.backend.docker.SidecarApp;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar image's class path as {@code bottle start} picks it from the packaged CLI (bottle.jar
 * and lib/ of this build): the sidecar starts on it, its natives load, and the CLI's own
 * dependencies are not on it. Runs on the jars, so as an integration test after packaging.
 */
class SidecarClassPathIT {
    private static final Path BUILD = Path.of(System.getProperty("bottle.repoRoot", ".."))
            .resolve("cli").resolve(System.getProperty("bottle.target", "target"));
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    @TempDir
    Path tmp;

    private static List<Path> packagedCli() throws Exception {
        List<Path> jars = new ArrayList<>(List.of(BUILD.resolve("bottle.jar")));
        try (Stream<Path> lib = Files.list(BUILD.resolve("lib"))) {
            lib.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(jars::add);
        }
        return jars;
    }

    private static String joined(List<Path> jars) {
        return String.join(File.pathSeparator, jars.stream().map(Path::toString).toList());
    }

    @Test
    void theSidecarsClassPathHoldsItsLibrariesAndNotTheClis() throws Exception {
        List<Path> cli = packagedCli();
        List<Path> sidecar = SidecarApp.production(cli).classpath();
        List<String> names = sidecar.stream().map(p -> p.getFileName().toString()).toList();
        assertThat(names).anyMatch(n -> n.startsWith("bottle-sidecar-")).anyMatch(n -> n.startsWith("bottle-backend-"))
                .anyMatch(n -> n.startsWith("netty-tcnative-boringssl-static-")).anyMatch(n -> n.startsWith("org.eclipse.jgit-"))
                .noneMatch(n -> n.startsWith("docker-java") || n.startsWith("sqlite-jdbc") || n.startsWith("picocli")
                        || n.startsWith("jna-") || n.equals("bottle.jar") || n.contains("-windows-") || n.contains("-osx-"));
        assertThat(sidecar.size()).as("jars of %d", cli.size()).isLessThan(cli.size() * 2 / 3);

        Path probeClasses = Path.of(SidecarClassPathProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Process probe = new ProcessBuilder(JAVA.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                joined(sidecar) + File.pathSeparator + probeClasses, SidecarClassPathProbe.class.getName())
                .redirectErrorStream(true).start();
        String probed = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(probe.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(probe.exitValue()).as(probed).isZero();
    }

    @Test
    void theSidecarStartsOnThatClassPath() throws Exception {
        Path config = tmp.resolve("config.json");
        Files.writeString(config, """
                {"bottle":"classpath-it","bind":"127.0.0.1","auditLog":"%s","caCertFile":"%s",
                 "supervise":{"port":0},"egress":{"port":0}}""".formatted(tmp.resolve("audit.jsonl"), tmp.resolve("ca.pem")));
        List<String> command = new ArrayList<>(List.of(JAVA.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                joined(SidecarApp.production(packagedCli()).classpath())));
        command.addAll(List.of(SidecarApp.CLI_SIDECAR.split(" ")[0], config.toString()));
        Process sidecar = new ProcessBuilder(command).redirectError(tmp.resolve("sidecar.err").toFile()).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(sidecar.getInputStream(), StandardCharsets.UTF_8))) {
            String ready = null;
            for (String line; ready == null && (line = out.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    ready = line;
                }
            }
            assertThat(ready).as("the sidecar's ready line; its stderr: %s", Files.readString(tmp.resolve("sidecar.err")))
                    .isNotNull().contains("\"egress\"", "\"supervise\"");
        } finally {
            sidecar.destroy();
            sidecar.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
