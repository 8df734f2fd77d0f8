package io.claudebottle.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bottle ps}, {@code stop} and {@code gc} over smolmachines bottles, run as the real CLI in a
 * child JVM on this (Linux) host: a temporary CLAUDE_BOTTLE_HOME whose alias pool holds the
 * reservations a live and a killed launcher would leave, a fake {@code smolvm} first on PATH that
 * records its argv, no Docker engine (DOCKER_HOST points at nothing, so no one's Docker bottles are
 * touched) and a private native state directory. The Docker half is SmolmachinesOnDockerTest's.
 */
class SmolmachinesHousekeepingTest {

    @TempDir
    Path tmp;
    private Path home;
    private Path pool;
    private Path bin;
    private Path calls;
    private Process liveLauncher;

    @BeforeEach
    void setUp() throws Exception {
        home = tmp.resolve("home");
        pool = Files.createDirectories(home.resolve("run/smolmachines/loopback-aliases"));
        bin = Files.createDirectories(tmp.resolve("bin"));
        calls = tmp.resolve("smolvm-calls.log");
        Path smolvm = bin.resolve("smolvm");
        Files.writeString(smolvm, """
                #!/bin/sh
                echo "$*" >> "%s"
                case "$1 $2" in
                  "machine ls") echo '[]' ;;
                esac
                exit 0
                """.formatted(calls));
        Files.setPosixFilePermissions(smolvm, PosixFilePermissions.fromString("rwxr-xr-x"));
        liveLauncher = new ProcessBuilder("sleep", "600").start();
        reservation("127.0.0.16", "dev-live01", liveLauncher.pid());
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        reservation("127.0.0.17", "dev-dead01", dead.pid());
    }

    @AfterEach
    void stopLauncher() {
        liveLauncher.destroyForcibly();
    }

    private void reservation(String alias, String bottleId, long pid) throws IOException {
        Files.writeString(pool.resolve(alias + ".reservation"),
                "pid=" + pid + "\nbottle=" + bottleId + "\nreserved=2026-11-28T01:00:00Z\n");
    }

    record Result(int exit, String out, String err) {
    }

    private Result bottle(boolean smolvmOnPath, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), BottleCli.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("CLAUDE_BOTTLE_"));
        env.put("CLAUDE_BOTTLE_HOME", home.toString());
        env.put("DOCKER_HOST", "unix://" + tmp.resolve("no-docker.sock"));
        env.put("XDG_RUNTIME_DIR", Files.createDirectories(tmp.resolve("xdg")).toString());
        env.put("PATH", (smolvmOnPath ? bin + ":" : "") + "/usr/local/bin:/usr/bin:/bin");
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("bottle %s finished", List.of(args)).isTrue();
        Result result = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        assertThat(result.out() + result.err()).as("no stack traces").doesNotContain("\tat ").doesNotContain("Exception");
        return result;
    }

    private List<String> smolvmCalls() throws IOException {
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    @Test
    void psShowsBothWithBackendAndAliasStopRemovesTheLiveOneAndGcTheDeadOne() throws Exception {
        Result ps = bottle(true, "ps");
        assertThat(ps.exit()).as(ps.err()).isZero();
        assertThat(ps.out().lines().toList()).first().asString().contains("BACKEND", "RUNTIME", "STATE");
        assertThat(ps.out()).containsPattern("dev-live01 +dev +\\S+ +smolmachines +smolvm +- +running, alias 127\\.0\\.0\\.16\n")
                .containsPattern("dev-dead01 +dev +\\S+ +smolmachines +smolvm +- +alias 127\\.0\\.0\\.17 still reserved "
                        + "\\(launcher gone: `bottle gc`\\)\n");
        assertThat(smolvmCalls()).as("ps only looks").isEmpty();

        Result stop = bottle(true, "stop", "dev-live01");
        assertThat(stop.exit()).as(stop.err()).isZero();
        assertThat(stop.out()).isEqualTo("stopped dev-live01\n");
        assertThat(smolvmCalls()).containsSubsequence("machine stop --name claude-bottle-dev-live01",
                "machine delete claude-bottle-dev-live01 -f");
        assertThat(pool.resolve("127.0.0.16.reservation")).doesNotExist();
        assertThat(pool.resolve("127.0.0.17.reservation")).as("stop touches one bottle only").exists();

        Result gc = bottle(true, "gc");
        assertThat(gc.exit()).as(gc.err()).isZero();
        assertThat(gc.out()).isEqualTo("removed dev-dead01\n");
        assertThat(smolvmCalls()).contains("machine delete claude-bottle-dev-dead01 -f");
        assertThat(pool.resolve("127.0.0.17.reservation")).doesNotExist();

        Result empty = bottle(true, "ps");
        assertThat(empty.out().lines()).hasSize(1);
        assertThat(bottle(true, "stop", "dev-live01").exit()).isEqualTo(1);
    }

    @Test
    void withoutSmolvmOnPathNeitherStopNorGcFreesAnAliasWhoseVmMayStillRun() throws Exception {
        Result stop = bottle(false, "stop", "dev-live01");
        assertThat(stop.exit()).isEqualTo(2);
        assertThat(stop.err()).contains("cannot make sure smolvm machine 'claude-bottle-dev-live01' is gone",
                "`smolvm` is not on PATH", "alias stays reserved");
        assertThat(pool.resolve("127.0.0.16.reservation")).exists();

        Result gc = bottle(false, "gc");
        assertThat(gc.exit()).isZero();
        assertThat(gc.out()).isEqualTo("nothing to remove\n");
        assertThat(gc.err()).contains("dev-dead01", "alias 127.0.0.17 kept reserved");
        assertThat(pool.resolve("127.0.0.17.reservation")).exists();
    }

    @Test
    void withoutAnyReservationPsLeavesNoTrace() throws Exception {
        Files.delete(pool.resolve("127.0.0.16.reservation"));
        Files.delete(pool.resolve("127.0.0.17.reservation"));
        Files.delete(pool);

        Result ps = bottle(false, "ps");
        assertThat(ps.exit()).as(ps.err()).isZero();
        assertThat(ps.out().lines()).hasSize(1);
        assertThat(pool).doesNotExist();
    }
}
