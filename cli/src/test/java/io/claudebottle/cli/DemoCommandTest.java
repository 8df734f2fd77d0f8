package io.claudebottle.cli;

import io.claudebottle.backend.Backends;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.docker.DockerConnection;
import io.claudebottle.backend.nativ.NativeBackend;
import io.claudebottle.cli.demo.DemoCa;
import io.claudebottle.cli.demo.DemoFacts;
import io.claudebottle.cli.demo.DemoGitUpstream;
import io.claudebottle.cli.demo.DemoHosts;
import io.claudebottle.cli.demo.DemoScenario;
import io.claudebottle.manifest.BottlePolicy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bottle demo} end to end, and the end-to-end suite driven by the real Claude Code: on each
 * backend one bottle runs the demo's four protections plus the suite's checks (clone/fetch through
 * the gate, a long SSE answer unbuffered, bypass attempts), all of which must hold. {@code --live}
 * is tested for its wiring only: these tests never reach the real API.
 */
class DemoCommandTest {
    static final String[] ALL_HELD = {"✔ 1. hello", "✔ 2. GET to a host off the allowlist", "✔ 3. POST of an AKIA-shaped key",
            "✔ 4. commit + push of an AKIA-shaped key", "✔ 5. git clone", "✔ 6. a long SSE answer", "✔ 7. bypass attempts",
            "All 7 protections held."};

    record Run(int code, String out, String err) {
        String report() {
            return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    /** Runs {@code bottle demo} with this process's environment minus any real token. */
    static Run demo(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        DemoCommand command = new DemoCommand();
        Map<String, String> env = new HashMap<>(environment);
        env.remove(DemoCommand.TOKEN_REF);
        env.remove(Backends.ENV);
        command.environment = env;
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void dockerBottleHoldsEveryProtectionAgainstTheRealClaudeCode() {
        boolean root = "root".equals(System.getProperty("user.name"));
        Assumptions.assumeTrue((DockerConnection.available() && root) || Boolean.getBoolean("bottle.requireAll"),
                "needs a running Docker engine and root (./scripts/test as root starts dockerd)");
        Run run = demo(System.getenv(), "--backend", "docker", "--suite", "--timeout", "400");

        assertThat(run.err()).as(run.report()).contains("backend docker (--backend docker)");
        assertThat(run.out()).as(run.report()).contains(ALL_HELD).doesNotContain("✘");
        assertThat(run.out()).as("the Docker agent's resolver is the sidecar's DNS sink, which audits")
                .contains("DNS sink refusals of example.com in the audit log: ");
        assertThat(run.code()).as(run.report()).isZero();
        assertThat(run.err()).as("the git mirror's first sync, followed in the sidecar's log")
                .contains("git-gate: demo: mirror ready");
        assertThat(run.err()).as("teardown").contains("removing the bottle");
    }

    @Test
    void nativeBottleHoldsEveryProtectionAgainstTheRealClaudeCode() {
        boolean canRun = DemoCommand.cannotRun(new Backends.Choice(NativeBackend.NAME, "test"), System.getenv()).isEmpty();
        Assumptions.assumeTrue(canRun || Boolean.getBoolean("bottle.requireAll"),
                "needs bubblewrap (or unshare) with user namespaces and `claude` on PATH (./scripts/test as root installs them)");
        Run run = demo(System.getenv(), "--backend", "native", "--suite", "--timeout", "400");

        assertThat(run.err()).as(run.report()).contains("backend native (--backend native)");
        assertThat(run.out()).as(run.report()).contains(ALL_HELD).doesNotContain("✘");
        assertThat(run.code()).as(run.report()).isZero();
    }

    @Test
    void liveWithoutATokenExits2NamingTheVariable() {
        Run run = demo(Map.of("PATH", "/usr/bin:/bin"), "--live");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("CLAUDE_BOTTLE_OAUTH_TOKEN").contains("export");
        assertThat(run.err()).doesNotContain("not implemented");
    }

    @Test
    void theNativeBackendWithoutClaudeOnPathSaysHowToInstallIt() {
        var problem = DemoCommand.cannotRun(new Backends.Choice(NativeBackend.NAME, "--backend native"), Map.of("PATH", "/nonexistent"));
        assertThat(problem).get().asString().contains("`claude` is not on PATH", "npm install -g @anthropic-ai/claude-code");
    }

    @Test
    void anUnknownBackendIsRefusedWithTheKnownOnes() {
        Run run = demo(Map.of("PATH", "/usr/bin:/bin"), "--backend", "podman");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).contains("unknown backend 'podman'", "docker", "native");
    }

    /**
     * {@code --live} is wired to the real API (route upstream https://api.anthropic.com, a default of
     * the allowlist, resolved by the sidecar itself, not mapped to this machine) with the user's token
     * in the sidecar only. Checked on the launch the demo would start; nothing is sent anywhere.
     */
    @Test
    void liveRoutesTheRealApiWithTheTokenInTheSidecarOnly(@TempDir Path home) throws Exception {
        String token = "sk-ant-oat01-live-wiring-test-not-a-real-token";
        try (DemoGitUpstream git = DemoGitUpstream.start(Files.createDirectories(home.resolve("upstream")), "127.0.0.1")) {
            BottlePolicy policy = DemoCommand.writeManifests(home, true, 4443, git, "127.0.0.1");
            List<String> command = DemoCommand.agentCommand(DemoScenario.demo(), true, new DemoFacts(4443, 0, 0, List.of()));
            BottleLaunch launch = DemoCommand.launch(policy, token, true, DemoCa.mint(), "127.0.0.1",
                    new BottleLaunch.Images("a", "s"), command);

            var route = launch.sidecarConfig().path("credProxy").path("routes").get(0);
            assertThat(route.path("upstream").asString()).isEqualTo("https://api.anthropic.com");
            assertThat(route.path("tokenRef").asString()).isEqualTo(DemoCommand.TOKEN_REF);
            assertThat(launch.sidecarHosts()).doesNotContainKey(DemoHosts.API).containsKeys(DemoHosts.UPLOADS, DemoHosts.GIT);
            assertThat(launch.sidecarConfig().path("egress").path("allowlist").toString())
                    .contains("api.anthropic.com", DemoHosts.UPLOADS + ":4443");
            assertThat(launch.secrets()).containsExactly(Map.entry(DemoCommand.TOKEN_REF, token));
            assertThat(launch.agentEnv().toString() + launch.agentFiles() + launch.agentCommand() + launch.sidecarConfig())
                    .doesNotContain(token);
            String script = String.join(" ", command);
            for (DemoScenario s : DemoScenario.demo()) {
                assertThat(script).as("the real model is asked to run the step's command").contains("Use the Bash tool")
                        .doesNotContain(s.prompt());
            }
            assertThat(script).doesNotContain("AKIA" + DemoHosts.AWS_KEY_BODY);
        }
    }

    @Test
    void offlineRoutesTheFakeApiOnThisMachine(@TempDir Path home) throws Exception {
        try (DemoGitUpstream git = DemoGitUpstream.start(Files.createDirectories(home.resolve("upstream")), "127.0.0.1")) {
            BottlePolicy policy = DemoCommand.writeManifests(home, false, 4443, git, "127.0.0.1");
            BottleLaunch launch = DemoCommand.launch(policy, "sk-ant-oat01-demo-x", false, DemoCa.mint(), "127.0.0.1",
                    new BottleLaunch.Images("a", "s"), List.of("true"));
            assertThat(launch.sidecarConfig().path("credProxy").path("routes").get(0).path("upstream").asString())
                    .isEqualTo("https://api.anthropic.com:4443");
            assertThat(launch.sidecarHosts()).containsEntry(DemoHosts.API, "127.0.0.1");
        }
    }

    @Test
    void shellQuotingSurvivesQuotesInAPrompt() {
        assertThat(DemoCommand.shellQuote("it's")).isEqualTo("'it'\\''s'");
    }

    @Test
    void helpNoLongerCallsLiveATodo() {
        StringWriter out = new StringWriter();
        new CommandLine(new BottleCli()).setOut(new PrintWriter(out, true)).execute("demo", "--help");
        assertThat(out.toString()).contains("--live", "--backend").doesNotContain("TODO");
    }
}
