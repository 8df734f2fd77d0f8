package io.claudebottle.cli;

import io.claudebottle.backend.docker.DockerConnection;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bottle demo} end to end: the real Claude Code in a real Docker bottle, driven by the scripted
 * fake model, must show all four protections holding (exit 0, four ✔).
 */
class DemoCommandTest {

    @Test
    void allFourProtectionsHoldWithTheRealClaudeCode() {
        boolean root = "root".equals(System.getProperty("user.name"));
        Assumptions.assumeTrue((DockerConnection.available() && root) || Boolean.getBoolean("bottle.requireAll"),
                "needs a running Docker engine and root (./scripts/test as root starts dockerd)");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BottleCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        int code = cli.execute("demo", "--timeout", "300");

        String report = "stdout:\n" + out + "\nstderr:\n" + err;
        assertThat(out.toString()).as(report)
                .contains("✔ 1. hello", "✔ 2. GET to a host off the allowlist", "✔ 3. POST of an AKIA-shaped key",
                        "✔ 4. commit + push of an AKIA-shaped key", "All 4 protections held.")
                .doesNotContain("✘");
        assertThat(code).as(report).isZero();
        assertThat(err.toString()).as("teardown").contains("removing the bottle");
    }

    @Test
    void liveModeIsNotFakedWhileItIsATodo() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new BottleCli());
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("demo", "--live")).isEqualTo(2);
        assertThat(err.toString()).contains("--live is not implemented yet");
    }
}
