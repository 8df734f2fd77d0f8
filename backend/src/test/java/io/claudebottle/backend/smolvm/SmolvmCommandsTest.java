package io.claudebottle.backend.smolvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmolvmCommandsTest {

    @TempDir
    Path tmp;
    private FakeHost host;
    private SmolvmCommands smolvm;
    private SmolvmStateDb stateDb;

    @BeforeEach
    void fakeSmolvm() throws Exception {
        assumeTrue(FakeHost.sqlite3Available() || Boolean.getBoolean("bottle.requireAll"),
                "sqlite3 is not installed (the fake smolvm writes its state DB with it)");
        Path db = SmolvmStateDb.defaultPath(tmp.resolve("home"));
        new SmolvmDbFixture(db);
        host = new FakeHost(tmp.resolve("host"), db);
        smolvm = new SmolvmCommands(host.runner());
        stateDb = new SmolvmStateDb(db, HostPlatform.MACOS, line -> { });
    }

    @Test
    void theCommandLinesAreExactly() {
        Path from = Path.of("/cache/agent-0123.smolmachine");
        assertThat(SmolvmCommands.create("claude-bottle-dev-a1b2c3", from, "127.0.0.16/32",
                Map.of(Path.of("/skills/init-prd"), "/home/agent/.claude/skills/init-prd")))
                .containsExactly("smolvm", "machine", "create", "claude-bottle-dev-a1b2c3",
                        "--from", "/cache/agent-0123.smolmachine", "--allow-cidr", "127.0.0.16/32",
                        "-v", "/skills/init-prd:/home/agent/.claude/skills/init-prd:ro");
        assertThat(SmolvmCommands.start("m")).containsExactly("smolvm", "machine", "start", "--name", "m");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HTTPS_PROXY", "http://127.0.0.16:3128");
        env.put("BOTTLE_ID", "dev-a1b2c3");
        assertThat(SmolvmCommands.exec("m", SmolvmCommands.Stdio.TERMINAL, env, List.of("claude", "--help")))
                .containsExactly("smolvm", "machine", "exec", "--name", "m", "-i", "-t",
                        "-e", "HTTPS_PROXY=http://127.0.0.16:3128", "-e", "BOTTLE_ID=dev-a1b2c3", "--", "claude", "--help");
        assertThat(SmolvmCommands.exec("m", SmolvmCommands.Stdio.NONE, Map.of(), List.of("true")))
                .containsExactly("smolvm", "machine", "exec", "--name", "m", "--", "true");
        assertThat(SmolvmCommands.stop("m")).containsExactly("smolvm", "machine", "stop", "--name", "m");
        assertThat(SmolvmCommands.delete("m")).containsExactly("smolvm", "machine", "delete", "m", "-f");
        assertThat(SmolvmCommands.list()).containsExactly("smolvm", "machine", "ls", "--json");
        assertThat(SmolvmCommands.pack("/tmp/agent.tar", Path.of("/cache/agent-0123")))
                .containsExactly("smolvm", "pack", "create", "--image", "/tmp/agent.tar", "-o", "/cache/agent-0123");
    }

    @Test
    void machineNamesAreScopedToBottles() {
        assertThat(SmolvmCommands.machineName("dev-a1b2c3")).isEqualTo("claude-bottle-dev-a1b2c3");
    }

    @Test
    void aCreateFromASmolmachineLeavesTheAllowlistNullUntilPatched() throws Exception {
        // The fake reproduces smolvm 0.8.0's bug, so the tests below prove the patch, not the fake.
        smolvm.createMachine("m1", Path.of("/x.smolmachine"), "127.0.0.16/32", Map.of());
        assertThat(stateDb.allowedCidrs("m1")).isEmpty();
        smolvm.startMachine("m1");
        assertThat(host.boots()).containsExactly("m1 ");

        smolvm.createMachine("m2", Path.of("/x.smolmachine"), "127.0.0.17/32", Map.of());
        stateDb.forceAllowlist("m2", List.of("127.0.0.17/32"));
        smolvm.startMachine("m2");
        assertThat(host.boots()).containsExactly("m1 ", "m2 [\"127.0.0.17/32\"]");
        assertThat(host.calls("smolvm")).containsExactly(
                List.of("smolvm", "machine", "create", "m1", "--from", "/x.smolmachine", "--allow-cidr", "127.0.0.16/32"),
                List.of("smolvm", "machine", "start", "--name", "m1"),
                List.of("smolvm", "machine", "create", "m2", "--from", "/x.smolmachine", "--allow-cidr", "127.0.0.17/32"),
                List.of("smolvm", "machine", "start", "--name", "m2"));
    }

    @Test
    void execPassesOnlyTheGivenEnvAndReturnsTheExitCode() {
        smolvm.createMachine("m", Path.of("/x.smolmachine"), "127.0.0.16/32", Map.of());
        ProcessRunner.Result r = smolvm.execCaptured("m", Map.of("GREETING", "hi"),
                List.of("sh", "-c", "echo \"$GREETING ${HOME:-nohome}\"; exit 7"), Duration.ofSeconds(30));

        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(r.stdout()).isEqualTo("hi nohome\n");
    }

    @Test
    void aHungExecIsKilledAtTheTimeout() {
        ProcessRunner.Result r = smolvm.execCaptured("m", Map.of(), List.of("sleep", "30"), Duration.ofMillis(300));

        assertThat(r.exitCode()).isEqualTo(ProcessRunner.TIMED_OUT);
    }

    @Test
    void filesAreWrittenIntoTheMachineFromStdin() throws Exception {
        smolvm.writeFile("m", "/home/agent/.bottle/ca.pem", "-----BEGIN CERTIFICATE-----\n".getBytes());

        assertThat(Files.readString(host.root.resolve("vm/m/home/agent/.bottle/ca.pem"))).isEqualTo("-----BEGIN CERTIFICATE-----\n");
    }

    @Test
    void aFailingCommandIsReportedWithItsCommandLineAndStderr() throws Exception {
        host.flag("start-fails");

        assertThatThrownBy(() -> smolvm.startMachine("m"))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("starting smolvm machine 'm' failed (exit 1)")
                .hasMessageContaining("`smolvm machine start --name m`")
                .hasMessageContaining("hypervisor unavailable");
    }

    @Test
    void withoutSmolvmOnPathTheErrorSaysHowToInstallIt() throws Exception {
        SmolvmCommands none = new SmolvmCommands(FakeHost.runnerWithout(Files.createDirectory(tmp.resolve("empty"))));

        assertThatThrownBy(none::requireInstalled)
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("needs `smolvm` on PATH")
                .hasMessageContaining("install.sh")
                .hasMessageContaining("--backend docker");
    }
}
