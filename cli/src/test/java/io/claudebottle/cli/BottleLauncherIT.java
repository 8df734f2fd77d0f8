package io.claudebottle.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the real {@code ./bottle} launcher (on the jar this build packaged, via BOTTLE_TARGET)
 * against a temporary CLAUDE_BOTTLE_HOME, from a working directory outside any repository.
 */
class BottleLauncherIT {
    private static final Path REPO_ROOT = Path.of(System.getProperty("bottle.repoRoot", ".."));
    private static final String TARGET = System.getProperty("bottle.target", "target");

    @TempDir
    Path tmp;
    Path home;
    Path cwd;
    final Map<String, String> extraEnv = new HashMap<>();

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        home = tmp.resolve("bottle-home");
        cwd = Files.createDirectories(tmp.resolve("work"));
    }

    Result bottle(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(REPO_ROOT.resolve("bottle").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("CLAUDE_BOTTLE_") || k.endsWith("_TOKEN") || k.equals("GH_PAT"));
        env.put("BOTTLE_TARGET", TARGET);
        env.put("CLAUDE_BOTTLE_HOME", home.toString());
        env.putAll(extraEnv);
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(300, TimeUnit.SECONDS)).as("bottle %s finished", List.of(args)).isTrue();
        Result result = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        assertThat(result.all()).as("no stack traces").doesNotContain("\tat ").doesNotContain("Exception");
        return result;
    }

    void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    @Test
    void helpListsTheCommands() throws Exception {
        Result help = bottle("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("list", "show", "validate", "init", "CLAUDE_BOTTLE_HOME");
    }

    @Test
    void initCreatesAValidExampleAndNeverOverwrites() throws Exception {
        Result init = bottle("init");
        assertThat(init.exit()).isZero();
        assertThat(init.out()).contains("created " + home.resolve("bottles/example.md"),
                "created " + home.resolve("agents/example.md"));
        assertThat(bottle("validate")).satisfies(r -> {
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("ok: 1 bottle(s), 1 agent(s) in " + home);
        });
        write(home.resolve("agents/example.md"), "---\nbottle: example\n---\nMine.\n");
        Result again = bottle("init");
        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains("kept    " + home.resolve("agents/example.md") + " (already exists)");
        assertThat(Files.readString(home.resolve("agents/example.md"))).isEqualTo("---\nbottle: example\n---\nMine.\n");
    }

    @Test
    void listShowsBottlesAndAgentsWithTheirFiles() throws Exception {
        bottle("init");
        Result list = bottle("list");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains("Bottles (only from " + home.resolve("bottles") + "):",
                "example  " + home.resolve("bottles/example.md"),
                "example  bottle example  " + home.resolve("agents/example.md"));
    }

    @Test
    void showPrintsTheResolvedPolicyWithoutEnvValues() throws Exception {
        write(home.resolve("bottles/dev.md"), "---\nenv:\n  API_SECRET_LOOKING: \"value-never-shown-1234\"\n"
                + "cred_proxy:\n  routes:\n    - { path: /anthropic/, upstream: \"https://api.anthropic.com\", "
                + "token_ref: CLAUDE_BOTTLE_OAUTH_TOKEN, role: anthropic-base-url }\n"
                + "    - { path: /npm/, upstream: \"https://registry.npmjs.org\", token_ref: NPM_TOKEN, role: npm-registry }\n"
                + "egress:\n  allowlist: [registry.npmjs.org, pinned.example.com]\n  passthrough: [pinned.example.com]\n---\n");
        write(home.resolve("agents/helper.md"), "---\nbottle: dev\nskills: [init-prd]\n---\nYou help.\n");
        extraEnv.put("CLAUDE_BOTTLE_OAUTH_TOKEN", "oauth-token-value-5678");
        Result show = bottle("show", "helper");
        assertThat(show.exit()).isZero();
        assertThat(show.out()).contains("bottle   dev", "skills   init-prd", "env      API_SECRET_LOOKING  (names only)",
                "/anthropic/ -> https://api.anthropic.com  Bearer $CLAUDE_BOTTLE_OAUTH_TOKEN (set)  role anthropic-base-url",
                "/npm/ -> https://registry.npmjs.org  Bearer $NPM_TOKEN (NOT SET)  role npm-registry",
                "api.anthropic.com", "default: ", "registry.npmjs.org", "system prompt  You help.");
        assertThat(show.err()).contains("warning: NPM_TOKEN is not set in this environment",
                "warning: passthrough host pinned.example.com is not TLS-intercepted");
        assertThat(show.all()).doesNotContain("value-never-shown-1234").doesNotContain("oauth-token-value-5678");

        Result json = bottle("show", "helper", "--json");
        assertThat(json.exit()).isZero();
        assertThat(json.all()).doesNotContain("value-never-shown-1234").doesNotContain("oauth-token-value-5678");
        JsonNode policy = JsonMapper.builder().build().readTree(json.out());
        assertThat(policy.get("bottle").asString()).isEqualTo("dev");
        assertThat(policy.get("env").get(0).asString()).isEqualTo("API_SECRET_LOOKING");
        assertThat(policy.get("credRoutes").get(0).get("tokenSet").asBoolean()).isTrue();
        assertThat(policy.get("credRoutes").get(1).get("tokenSet").asBoolean()).isFalse();
        JsonNode first = policy.get("egress").get("allowlist").get(0);
        assertThat(first.get("host").asString()).isEqualTo("api.anthropic.com");
        assertThat(first.get("isDefault").asBoolean()).isTrue();
    }

    @Test
    void validateReportsEveryErrorWithItsPositionAndFails() throws Exception {
        write(home.resolve("bottles/dev.md"), "---\ncred_proxi: {}\nenv:\n  A: yes\n---\n");
        write(home.resolve("agents/helper.md"), "---\nbottle: devv\n---\n");
        Result validate = bottle("validate");
        assertThat(validate.exit()).isEqualTo(1);
        assertThat(validate.out()).contains(
                home.resolve("bottles/dev.md") + ":2:1: error: unknown key `cred_proxi` in bottle; did you mean `cred_proxy`?",
                home.resolve("bottles/dev.md") + ":4:6: error: bare `yes` is ambiguous",
                home.resolve("agents/helper.md") + ":2:9: error: bottle `devv` does not exist",
                "3 error(s), 0 warning(s)");
        Result show = bottle("show", "helper");
        assertThat(show.exit()).isEqualTo(1);
        assertThat(show.err()).contains("agent `helper` has errors");
    }

    @Test
    void showAnUnknownAgentSuggestsTheClosest() throws Exception {
        bottle("init");
        Result show = bottle("show", "exampel");
        assertThat(show.exit()).isEqualTo(1);
        assertThat(show.err()).contains("bottle: no agent named `exampel`; did you mean `example`?");
    }

    @Test
    void aRepositoryCanAddAgentsButNotBottles() throws Exception {
        bottle("init");
        cwd = Files.createDirectories(tmp.resolve("repo/sub"));
        Files.createDirectories(tmp.resolve("repo/.git"));
        write(tmp.resolve("repo/.claude-bottle/bottles/evil.md"), "---\negress:\n  allowlist: [attacker.example]\n---\n");
        write(tmp.resolve("repo/.claude-bottle/agents/reviewer.md"), "---\nbottle: example\n---\nReview.\n");
        Result validate = bottle("validate");
        assertThat(validate.exit()).isZero();
        assertThat(validate.out()).contains(tmp.resolve("repo/.claude-bottle/bottles") + ": warning: ignored: bottles "
                + "come only from " + home.resolve("bottles"));
        Result list = bottle("list");
        assertThat(list.out()).contains("reviewer").contains("(from the repository)").doesNotContain("evil");
    }

    @Test
    void startOnSmolmachinesOffMacOsSaysInstallSmolvmBeforeTouchingDocker() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(System.getProperty("os.name").startsWith("Mac"),
                "on macOS the smolmachines backend may run");
        write(home.resolve("bottles/dev.md"), "---\negress:\n  allowlist: [example.com]\n---\n");
        write(home.resolve("agents/helper.md"), "---\nbottle: dev\n---\nYou help.\n");
        // Were Docker contacted first, this would fail with "Docker does not answer".
        extraEnv.put("DOCKER_HOST", "unix://" + tmp.resolve("no-docker.sock"));

        Result start = bottle("start", "--backend", "smolmachines", "--yes", "helper");

        assertThat(start.exit()).as(start.all()).isEqualTo(2);
        assertThat(start.err()).contains("macOS-only", "install smolvm", "--backend docker")
                .doesNotContain("Docker does not answer");
    }

    @Test
    void theSpecExamplesValidate() throws Exception {
        home = REPO_ROOT.resolve("examples");
        Result validate = bottle("validate");
        assertThat(validate.exit()).as(validate.all()).isZero();
        assertThat(bottle("show", "gitea-helper").out()).contains("bottle   gitea-dev", "github.com", "pypi.org");
    }
}
