package io.claudebottle.cli;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.docker.DockerConnection;
import io.claudebottle.backend.docker.ImageBuilder;
import io.claudebottle.backend.docker.SidecarApp;
import io.claudebottle.cli.demo.DemoCa;
import io.claudebottle.cli.demo.DemoGitUpstream;
import io.claudebottle.cli.demo.DemoHosts;
import io.claudebottle.cli.demo.DemoOutcome;
import io.claudebottle.cli.demo.DemoScenario;
import io.claudebottle.cli.demo.FakeMessagesApi;
import io.claudebottle.manifest.BottlePolicy;
import io.claudebottle.manifest.ManifestLoader;
import io.claudebottle.manifest.ManifestLocations;
import io.claudebottle.manifest.Manifests;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code bottle demo}: a real bottle running the real Claude Code, driven by a scripted fake model on
 * this machine, shows the four protections and tears everything down. No token, no internet.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
                // One string per paragraph: picocli wraps it to the terminal width itself.
                "Shows the four protections with the real Claude Code in a real bottle, offline and without a token: "
                        + "a scripted fake Messages API on this machine drives the agent (Bash tool: curl, git).",
                "",
                "Needs Docker (the Docker-free Linux backend is not wired into the demo yet). Exits 0 only if all "
                        + "four protections held, 1 if one did not, 2 if the demo could not run; everything it "
                        + "creates is removed at the end."})
final class DemoCommand implements Callable<Integer> {

    static final String AGENT = "demo";
    static final String TOKEN_REF = "CLAUDE_BOTTLE_OAUTH_TOKEN";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--live",
            description = "TODO, not available yet: send the same four prompts to the real API with your "
                    + "CLAUDE_BOTTLE_OAUTH_TOKEN. Today the demo only runs offline.")
    boolean live;

    @CommandLine.Option(names = "--offline", description = "Never install Claude Code from npm while building images.")
    boolean offline;

    @CommandLine.Option(names = "--timeout", paramLabel = "<seconds>", defaultValue = "420",
            description = "Stop the agent after this many seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    private PrintWriter err;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        Ansi ansi = new Ansi(System.getenv("NO_COLOR") == null && System.console() != null);
        if (live) {
            err.println("bottle demo: --live is not implemented yet (TODO); run `bottle demo` for the offline demo");
            return 2;
        }
        if (!DockerConnection.available()) {
            err.println("bottle demo: needs a running Docker engine (the Docker-free backend is not wired into the demo"
                    + " yet); start it (e.g. `sudo dockerd &` or `systemctl start docker`) and run `bottle demo` again");
            return 2;
        }
        Path home = null;
        try (DockerBackend backend = DockerBackend.open()) {
            home = Files.createTempDirectory("bottle-demo-");
            step("building images (first run: a few minutes; cached afterwards)");
            var images = new ImageBuilder(backend.client(), m -> step(m), offline)
                    .ensureAll(SidecarApp.ofThisJvm(SidecarApp.CLI_SIDECAR));
            String hostAddress = bridgeGateway(backend);
            String token = "sk-ant-oat01-demo-" + HexFormat.of().formatHex(SecureRandom.getSeed(12));
            DemoCa ca = DemoCa.mint();
            try (FakeMessagesApi api = FakeMessagesApi.start(ca, hostAddress, token);
                 DemoGitUpstream git = DemoGitUpstream.start(Files.createDirectories(home.resolve("upstream")), hostAddress)) {
                step("fake Messages API and upload host on https://" + hostAddress + ":" + api.port()
                        + ", git upstream on ssh://" + hostAddress + ":" + git.port() + " (this machine only)");
                BottlePolicy policy = writeManifests(home, api.port(), git, hostAddress);
                LaunchPlan plan = LaunchPlan.of(policy, Map.of(TOKEN_REF, token), home, agentCommand());
                ObjectNode config = plan.sidecarConfig();
                ((tools.jackson.databind.node.ArrayNode) config.path("egress").path("extraTrustedCaFiles"))
                        .add("/run/bottle/demo-ca.pem");
                Map<String, String> sidecarHosts = new LinkedHashMap<>();
                for (String name : List.of(DemoHosts.API, DemoHosts.UPLOADS, DemoHosts.GIT)) {
                    sidecarHosts.put(name, hostAddress);
                }
                BottleLaunch launch = new BottleLaunch(policy.agent(), policy.bottle(), config, plan.secrets(),
                        plan.agentEnv(), plan.agentFiles(), Map.of("demo-ca.pem", ca.pem()), Map.of(), plan.command(),
                        false, Optional.empty(), images, sidecarHosts);
                Map<String, String> refsBefore = git.refs();
                Instant started = Instant.now();
                RunningBottle.AgentResult result;
                try (RunningBottle bottle = backend.start(launch, m -> step(m))) {
                    step(bottle.bottleId() + " is up (runtime " + bottle.runtime() + "); running Claude Code, 4 prompts");
                    result = bottle.runAgent(Duration.ofSeconds(timeoutSeconds));
                    step("agent finished (exit " + result.exitCode() + ") in "
                            + Duration.between(started, Instant.now()).toSeconds() + " s; removing the bottle");
                }
                List<DemoOutcome> outcomes = DemoOutcome.judge(api, token, result.stdout() + result.stderr(),
                        refsBefore, git.refs());
                boolean allHeld = outcomes.stream().allMatch(DemoOutcome::held);
                if (!allHeld) {
                    err.println("bottle demo: the agent's output:\n" + result.stdout() + "\n" + result.stderr());
                    err.println("bottle demo: what the fake Messages API was asked:");
                    api.requestLog().forEach(line -> err.println("  " + line));
                }
                summary(outcomes, ansi, out);
                return allHeld ? 0 : 1;
            }
        } catch (BackendException e) {
            err.println("bottle demo: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("bottle demo: failed: " + e);
            return 2;
        } finally {
            if (home != null) {
                deleteTree(home);
            }
        }
    }

    private void step(String message) {
        err.println("bottle demo: " + message);
        err.flush();
    }

    /** The Docker default bridge's gateway: the one host address the sidecar reaches as "this machine". */
    private static String bridgeGateway(DockerBackend backend) {
        var ipam = backend.client().inspectNetworkCmd().withNetworkId("bridge").exec().getIpam();
        return ipam.getConfig().stream().map(c -> c.getGateway()).filter(g -> g != null && g.contains("."))
                .findFirst().orElseThrow(() -> new BackendException(
                        "Docker's default bridge network has no IPv4 gateway; `docker network inspect bridge` shows it"));
    }

    private static BottlePolicy writeManifests(Path home, int apiPort, DemoGitUpstream git, String hostAddress)
            throws IOException {
        Files.createDirectories(home.resolve("bottles"));
        Files.createDirectories(home.resolve("agents"));
        Files.writeString(home.resolve("bottles/demo.md"), """
                ---
                cred_proxy:
                  routes:
                    - path: /anthropic/
                      upstream: https://%1$s:%2$d
                      auth_scheme: Bearer
                      token_ref: %3$s
                      role: anthropic-base-url
                egress:
                  allowlist:
                    - %1$s:%2$d
                    - %4$s:%2$d
                  allow_addresses:
                    - %5$s/32
                git:
                  - Name: %6$s
                    Upstream: ssh://git@%7$s:%8$d/%9$s
                    IdentityFile: %10$s
                    KnownHostKey: %11$s
                ---
                The throwaway bottle of `bottle demo`: every host here is a fake on this machine.
                """.formatted(DemoHosts.API, apiPort, TOKEN_REF, DemoHosts.UPLOADS, hostAddress, DemoHosts.GIT_REPO_NAME,
                DemoHosts.GIT, git.port(), DemoGitUpstream.REPO, git.identityFile(), git.hostKeyLine()));
        Files.writeString(home.resolve("agents/demo.md"), """
                ---
                bottle: demo
                ---
                You are the `bottle demo` agent.
                """);
        Manifests manifests = ManifestLoader.load(ManifestLocations.discover(
                Map.of(ManifestLocations.HOME_VARIABLE, home.toString()), home));
        return manifests.policy(AGENT).orElseThrow(() -> new IllegalStateException("the demo manifests in " + home
                + " do not load: " + manifests.errors().stream().map(d -> d.render()).collect(Collectors.joining("; "))));
    }

    /** One {@code claude -p} per step, each under its own timeout; Bash is the only tool allowed. */
    private static List<String> agentCommand() {
        StringBuilder script = new StringBuilder("cd /workspace\n");
        for (DemoScenario s : DemoScenario.values()) {
            script.append("timeout 150 claude -p '").append(s.prompt())
                    .append("' --allowedTools Bash --max-turns 4 </dev/null; echo \"claude-exit=$?\"\n");
        }
        return List.of("bash", "-c", script.toString());
    }

    private static void summary(List<DemoOutcome> outcomes, Ansi ansi, PrintWriter out) {
        out.println();
        out.println(ansi.bold("bottle demo: the real Claude Code in a real bottle, driven by a scripted model"));
        for (DemoOutcome o : outcomes) {
            out.println((o.held() ? ansi.green("✔") : ansi.red("✘")) + " " + ansi.bold(title(o.scenario()))
                    + (o.held() ? "" : ansi.red("  (did NOT hold)")));
            o.evidence().forEach(e -> out.println("    " + e));
        }
        long held = outcomes.stream().filter(DemoOutcome::held).count();
        out.println(held == outcomes.size() ? ansi.green("All " + held + " protections held.")
                : ansi.red(held + " of " + outcomes.size() + " protections held."));
        out.flush();
    }

    private static String title(DemoScenario s) {
        return switch (s) {
            case HELLO -> "1. hello: the token stays in the sidecar (Claude Code holds a placeholder)";
            case OFF_ALLOWLIST -> "2. GET to a host off the allowlist: 403 from the egress proxy";
            case DLP_POST -> "3. POST of an AKIA-shaped key to an allowlisted host: 403 from DLP";
            case GIT_PUSH -> "4. commit + push of an AKIA-shaped key: rejected by the git-gate, upstream unchanged";
        };
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the demo home " + root, e);
        }
    }

    private record Ansi(boolean on) {
        String green(String s) {
            return wrap("32", s);
        }

        String red(String s) {
            return wrap("31", s);
        }

        String bold(String s) {
            return wrap("1", s);
        }

        private String wrap(String code, String s) {
            return on ? "\u001b[" + code + "m" + s + "\u001b[0m" : s;
        }
    }
}
