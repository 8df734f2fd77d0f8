package io.claudebottle.cli;

import io.claudebottle.backend.Backends;
import io.claudebottle.backend.docker.DockerConnection;
import io.claudebottle.backend.nativ.NativeBackend;
import io.claudebottle.cli.demo.DemoOutcome;
import io.claudebottle.cli.demo.DemoScenario;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two agents (the real Claude Code) in two bottles at once on one backend, each with its own token,
 * its own fake Messages API and its own allowlist: each API receives only its own bottle's token,
 * and each agent is refused the other bottle's API by its own egress proxy (and that is in its own
 * audit log).
 */
class TwoDemoBottlesTest {

    @ParameterizedTest
    @ValueSource(strings = {"native", "docker"})
    void twoBottlesAtOnceEachSeeOnlyTheirOwnAllowlistAndToken(String backend, @TempDir Path home) throws Exception {
        if (backend.equals("docker")) {
            boolean root = "root".equals(System.getProperty("user.name"));
            Assumptions.assumeTrue((DockerConnection.available() && root) || Boolean.getBoolean("bottle.requireAll"),
                    "needs a running Docker engine and root (./scripts/test as root starts dockerd)");
        } else {
            Assumptions.assumeTrue(DemoCommand.cannotRun(new Backends.Choice(NativeBackend.NAME, "test"), System.getenv()).isEmpty()
                    || Boolean.getBoolean("bottle.requireAll"), "needs bubblewrap (or unshare) and `claude` on PATH");
        }
        StringBuilder progress = new StringBuilder();
        try (DemoCommand.Target target = DemoCommand.open(backend, Files.createDirectories(home.resolve("workspace")), false,
                m -> append(progress, m));
             DemoRun a = DemoRun.prepare(Files.createDirectories(home.resolve("a")), target.hostAddress(),
                     "sk-ant-oat01-demo-" + "a".repeat(24), false, DemoScenario.twoBottles());
             DemoRun b = DemoRun.prepare(Files.createDirectories(home.resolve("b")), target.hostAddress(),
                     "sk-ant-oat01-demo-" + "b".repeat(24), false, DemoScenario.twoBottles())) {
            a.peer(b);
            b.peer(a);
            CompletableFuture<DemoRun.Result> first = CompletableFuture.supplyAsync(() -> run(a, target, progress));
            CompletableFuture<DemoRun.Result> second = CompletableFuture.supplyAsync(() -> run(b, target, progress));
            DemoRun.Result ra = first.join();
            DemoRun.Result rb = second.join();

            String report = "A:\n" + describe(a, ra) + "\nB:\n" + describe(b, rb) + "\nprogress:\n" + progress;
            assertThat(ra.bottleId()).isNotEqualTo(rb.bottleId());
            assertThat(ra.outcomes()).as(report).allMatch(DemoOutcome::held);
            assertThat(rb.outcomes()).as(report).allMatch(DemoOutcome::held);
            assertThat(a.api().credentialsSeen()).as(report).isNotEmpty().allMatch(c -> c.endsWith("a".repeat(24)));
            assertThat(b.api().credentialsSeen()).as(report).isNotEmpty().allMatch(c -> c.endsWith("b".repeat(24)));
        }
    }

    private static DemoRun.Result run(DemoRun run, DemoCommand.Target target, StringBuilder progress) {
        try {
            return run.run(target.backend(), target.images(), Duration.ofSeconds(300), m -> append(progress, m));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void append(StringBuilder progress, String line) {
        synchronized (progress) {
            progress.append(line).append('\n');
        }
    }

    private static String describe(DemoRun run, DemoRun.Result r) {
        List<String> lines = r.outcomes().stream().map(o -> (o.held() ? "held " : "NOT HELD ") + o.scenario() + " " + o.evidence())
                .collect(Collectors.toList());
        if (!r.allHeld()) {
            lines.addAll(run.diagnosis(r));
        }
        return String.join("\n", lines);
    }
}
