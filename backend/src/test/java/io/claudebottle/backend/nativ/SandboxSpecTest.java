package io.claudebottle.backend.nativ;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxSpecTest {

    @TempDir
    Path dir;

    @Test
    void pinsEveryValidationMessage() {
        assertThatThrownBy(() -> SandboxSpec.of(List.of(), dir, "/home/agent"))
                .hasMessage("command: must name a program to run in the sandbox");
        assertThatThrownBy(() -> SandboxSpec.of(List.of("true"), Path.of("relative"), "/home/agent"))
                .hasMessage("workDir: relative must be an existing absolute directory");
        assertThatThrownBy(() -> SandboxSpec.of(List.of("true"), dir, "home"))
                .hasMessage("home: home must be an absolute path below /");
        assertThatThrownBy(() -> SandboxSpec.of(List.of("true"), dir, dir.resolve("h").toString()))
                .hasMessageStartingWith("home: " + dir.resolve("h") + " must not contain or lie inside workDir");
        assertThatThrownBy(() -> SandboxSpec.of(List.of("true"), dir, "/home/agent").withEnv("A=B", "x"))
                .hasMessage("env: 'A=B' is not a valid variable name");
        assertThatThrownBy(() -> SandboxSpec.of(List.of("true"), dir, "/home/agent").withHomeFile("../escape", new byte[0]))
                .hasMessage("homeFiles: '../escape' must be a plain relative path inside the home (no '..', not absolute)");
        assertThatThrownBy(() -> SandboxSpec.of(List.of("true"), dir, "/home/agent").withHomeFile("/etc/x", new byte[0]))
                .hasMessageStartingWith("homeFiles: '/etc/x' must be a plain relative path");
        assertThatThrownBy(() -> SandboxSpec.of(List.of("true"), dir, "/home/agent").withHomeFile("a/../../b", new byte[0]))
                .hasMessageStartingWith("homeFiles: 'a/../../b' must be a plain relative path");
        assertThatThrownBy(() -> SandboxSpec.of(List.of("true"), dir, "/home/agent")
                .withHomeReadOnly(".claude/skills/x", dir.resolve("missing")))
                .hasMessage("homeReadOnly: .claude/skills/x -> " + dir.resolve("missing") + " must name an existing absolute host path");
    }

    @Test
    void agentEnvironmentIsPathHomeAndTheGivenVariablesOnly() {
        SandboxSpec spec = SandboxSpec.of(List.of("true"), dir, "/home/agent").withEnv("HTTPS_PROXY", "http://127.0.0.1:3128");
        assertThat(spec.agentEnvironment()).isEqualTo(Map.of("PATH", SandboxSpec.DEFAULT_PATH, "HOME", "/home/agent",
                "HTTPS_PROXY", "http://127.0.0.1:3128"));
    }
}
