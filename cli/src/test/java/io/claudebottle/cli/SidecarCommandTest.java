package io.claudebottle.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SidecarCommandTest {
    @TempDir
    Path tmp;

    private int run(StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new BottleCli());
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return cl.execute(args);
    }

    @Test
    void anInvalidConfigExitsWith2NamingTheFileAndKey() throws Exception {
        Path cfg = tmp.resolve("sidecar.json");
        Files.writeString(cfg, "{\"bottle\":\"b\",\"auditLog\":\"a\",\"caCertFile\":\"c\",\"egres\":{}}");
        StringWriter err = new StringWriter();
        assertThat(run(err, "sidecar", "--config", cfg.toString())).isEqualTo(2);
        assertThat(err.toString()).contains(cfg.toString()).contains("unknown key \"egres\"");
    }

    @Test
    void theConfigOptionIsRequired() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "sidecar")).isEqualTo(2);
        assertThat(err.toString()).contains("--config");
    }
}
