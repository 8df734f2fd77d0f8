package io.claudebottle.cli;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.Backends;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import io.claudebottle.backend.docker.DefaultBridge;
import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.docker.DockerConnection;
import io.claudebottle.backend.docker.ImageBuilder;
import io.claudebottle.backend.docker.SidecarApp;
import io.claudebottle.backend.nativ.NativeBackend;
import io.claudebottle.cli.demo.DemoCa;
import io.claudebottle.cli.demo.DemoCanary;
import io.claudebottle.cli.demo.DemoFacts;
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
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code bottle demo}: a real bottle running the real Claude Code, driven by a scripted fake model on
 * this machine (or, with {@code --live}, by the real API), shows the four protections and tears
 * everything down.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
                // One string per paragraph: picocli wraps it to the terminal width itself.
                "Shows the four protections with the real Claude Code in a real bottle, offline and without a token: "
                        + "a scripted fake Messages API on this machine drives the agent (Bash tool: curl, git).",
                "",
                "Runs on Docker when an engine answers, else on the Docker-free Linux backend (bubblewrap; it runs "
                        + "this machine's own `claude`), and says which and why; --backend forces one. Exits 0 only if "
                        + "all four protections held, 1 if one did not, 2 if the demo could not run; everything it "
                        + "creates is removed at the end."})
final class DemoCommand implements Callable<Integer> {

    static final String AGENT = "demo";
    static final String TOKEN_REF = "CLAUDE_BOTTLE_OAUTH_TOKEN";
    static final String LIVE_UPSTREAM = "https://" + DemoHosts.API;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--live",
            description = "Send the same four prompts to the real API with your " + TOKEN_REF + " (the real model "
                    + "decides the tool calls; the outcome is judged from the audit log and the fake upload and git "
                    + "hosts, never from the model's words).")
    boolean live;

    @CommandLine.Option(names = "--backend", paramLabel = "<docker|native>",
            description = "Where the bottle runs (default: docker when an engine answers, else native).")
    String backendName;

    @CommandLine.Option(names = "--offline", description = "Never install Claude Code from npm while building images.")
    boolean offline;

    @CommandLine.Option(names = "--timeout", paramLabel = "<seconds>", defaultValue = "420",
            description = "Stop the agent after this many seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    /** The end-to-end suite's extra checks (clone/fetch, long SSE, bypass attempts) in the same bottle. */
    @CommandLine.Option(names = "--suite", hidden = true)
    boolean suite;

    /** The environment the token and PATH are read from (tests pass their own, so no real token is ever used). */
    Map<String, String> environment = System.getenv();

    private PrintWriter err;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        Ansi ansi = new Ansi(System.getenv("NO_COLOR") == null && System.console() != null);
        String token;
        if (live) {
            token = environment.get(TOKEN_REF);
            if (token == null || token.isBlank()) {
                err.println("bottle demo --live: needs your Claude OAuth token in " + TOKEN_REF + " (e.g. from `claude "
                        + "setup-token`): export " + TOKEN_REF + "=... and run again; without --live the demo runs "
                        + "offline with a throwaway token");
                return 2;
            }
            if (suite) {
                err.println("bottle demo: --suite runs offline only");
                return 2;
            }
        } else {
            token = "sk-ant-oat01-demo-" + HexFormat.of().formatHex(SecureRandom.getSeed(12));
        }
        Backends.Choice choice;
        try {
            choice = Backends.chooseForStart(backendName, environment);
        } catch (BackendException e) {
            err.println("bottle demo: " + e.getMessage());
            return 2;
        }
        Optional<String> cannot = cannotRun(choice, environment);
        if (cannot.isPresent()) {
            err.println("bottle demo: " + cannot.get());
            return 2;
        }
        step("backend " + choice.name() + " (" + choice.reason() + ")" + (live ? "; live: the real API at " + LIVE_UPSTREAM : ""));
        Path home = null;
        try {
            home = Files.createTempDirectory("bottle-demo-");
            return run(choice, home, token, ansi, out);
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

    /** Why the chosen backend cannot run the demo here, with the fix; empty when it can. */
    static Optional<String> cannotRun(Backends.Choice choice, Map<String, String> environment) {
        if (choice.name().equals(NativeBackend.NAME)) {
            if (onPath("claude", environment).isEmpty()) {
                return Optional.of("the native backend runs this machine's own Claude Code, and `claude` is not on PATH;"
                        + " install it (npm install -g @anthropic-ai/claude-code; `./bottle demo` as root does it) or"
                        + " start a Docker engine, and run `bottle demo` again");
            }
            return NativeBackend.unavailable().map(why -> "the native backend cannot run here: " + why);
        }
        if (!choice.name().equals(Backends.DEFAULT)) {
            return Optional.of("the demo runs on docker or native; " + choice.name() + " is not wired into it");
        }
        if (!DockerConnection.available()) {
            return Optional.of("needs a running Docker engine (" + choice.reason() + "); start it (e.g. `sudo dockerd &`"
                    + " or `systemctl start docker`), or install bubblewrap for the Docker-free backend (--backend native),"
                    + " and run `bottle demo` again");
        }
        return Optional.empty();
    }

    private static Optional<Path> onPath(String command, Map<String, String> environment) {
        for (String dir : environment.getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, command);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** A backend opened for the demo, with the images to run and the address of this machine as its sidecar sees it. */
    record Target(Backend backend, BottleLaunch.Images images, String hostAddress) implements AutoCloseable {
        @Override
        public void close() {
            backend.close();
        }
    }

    /** Opens {@code backendName} (docker: images built if needed; native: {@code workspace} is the agent's work dir). */
    static Target open(String backendName, Path workspace, boolean offline, Backend.Progress progress) {
        if (backendName.equals(NativeBackend.NAME)) {
            // the native sidecar runs on the host, so this machine is loopback to it
            return new Target(NativeBackend.open(workspace), new BottleLaunch.Images("none", "none"), "127.0.0.1");
        }
        DockerBackend docker = DockerBackend.open();
        try {
            progress.step("building images (first run: a few minutes; cached afterwards)");
            BottleLaunch.Images images = new ImageBuilder(docker, progress::step, offline)
                    .ensureAll(SidecarApp.production());
            return new Target(docker, images, DefaultBridge.gateway(docker.client()));
        } catch (RuntimeException e) {
            docker.close();
            throw e;
        }
    }

    private int run(Backends.Choice choice, Path home, String token, Ansi ansi, PrintWriter out) throws Exception {
        Path workspace = Files.createDirectories(home.resolve("workspace"));
        try (Target target = open(choice.name(), workspace, offline, m -> step(m))) {
            Backend backend = target.backend();
            BottleLaunch.Images images = target.images();
            String hostAddress = target.hostAddress();
            List<DemoScenario> scenarios = suite ? DemoScenario.suite() : DemoScenario.demo();
            try (DemoRun run = DemoRun.prepare(home, hostAddress, token, live, scenarios)) {
                step(run.upstreamsLine());
                DemoRun.Result result = run.run(backend, images, Duration.ofSeconds(timeoutSeconds), m -> step(m));
                if (!result.allHeld()) {
                    run.diagnosis(result).forEach(line -> err.println("bottle demo: " + line));
                }
                summary(result.outcomes(), choice.name(), live, ansi, out);
                return result.allHeld() ? 0 : 1;
            }
        }
    }

    /** The launch of the demo bottle: the token to the sidecar only; live, the real API, else the fake one. */
    static BottleLaunch launch(BottlePolicy policy, String token, boolean live, DemoCa ca, String hostAddress,
                               BottleLaunch.Images images, List<String> command) {
        LaunchPlan plan = LaunchPlan.of(policy, Map.of(TOKEN_REF, token), Path.of("/nonexistent"), command);
        ObjectNode config = plan.sidecarConfig();
        ((ArrayNode) config.path("egress").path("extraTrustedCaFiles")).add("/run/bottle/demo-ca.pem");
        Map<String, String> sidecarHosts = new LinkedHashMap<>();
        // live: api.anthropic.com is the real one, resolved by the sidecar; the other hosts stay fakes on this machine
        for (String name : live ? List.of(DemoHosts.UPLOADS, DemoHosts.GIT) : List.of(DemoHosts.API, DemoHosts.UPLOADS, DemoHosts.GIT)) {
            sidecarHosts.put(name, hostAddress);
        }
        return new BottleLaunch(policy.agent(), policy.bottle(), config, plan.secrets(), plan.agentEnv(), plan.agentFiles(),
                Map.of("demo-ca.pem", ca.pem()), Map.of(), plan.command(), false, Optional.empty(), images, sidecarHosts);
    }

    private void step(String message) {
        err.println("bottle demo: " + message);
        err.flush();
    }

    static BottlePolicy writeManifests(Path home, boolean live, int apiPort, DemoGitUpstream git, String hostAddress)
            throws IOException {
        Files.createDirectories(home.resolve("bottles"));
        Files.createDirectories(home.resolve("agents"));
        // live: the route is the real API (a default of the allowlist); offline: the fake one on this machine
        String upstream = live ? LIVE_UPSTREAM : "https://" + DemoHosts.API + ":" + apiPort;
        String apiAllow = live ? "" : "    - " + DemoHosts.API + ":" + apiPort + "\n";
        Files.writeString(home.resolve("bottles/demo.md"), """
                ---
                cred_proxy:
                  routes:
                    - path: /anthropic/
                      upstream: %1$s
                      auth_scheme: Bearer
                      token_ref: %3$s
                      role: anthropic-base-url
                egress:
                  allowlist:
                %12$s    - %4$s:%2$d
                  allow_addresses:
                    - %5$s/32
                git:
                  - Name: %6$s
                    Upstream: ssh://git@%7$s:%8$d/%9$s
                    IdentityFile: %10$s
                    KnownHostKey: %11$s
                ---
                The throwaway bottle of `bottle demo`: every host here but the real API (with --live) is a fake on
                this machine.
                """.formatted(upstream, apiPort, TOKEN_REF, DemoHosts.UPLOADS, hostAddress, DemoHosts.GIT_REPO_NAME,
                DemoHosts.GIT, git.port(), DemoGitUpstream.REPO, git.identityFile(), git.hostKeyLine(), apiAllow));
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
    static List<String> agentCommand(List<DemoScenario> scenarios, boolean live, DemoFacts facts) {
        StringBuilder script = new StringBuilder("cd \"$HOME\"\n");
        for (DemoScenario s : scenarios) {
            String prompt = live ? s.livePrompt(facts) : s.prompt();
            script.append("timeout 150 claude -p ").append(shellQuote(prompt))
                    .append(" --allowedTools Bash --max-turns 4 </dev/null; echo \"claude-exit=$?\"\n");
        }
        return List.of("bash", "-c", script.toString());
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static void summary(List<DemoOutcome> outcomes, String backend, boolean live, Ansi ansi, PrintWriter out) {
        out.println();
        out.println(ansi.bold("bottle demo: the real Claude Code in a real bottle (" + backend + "), driven by "
                + (live ? "the real model" : "a scripted model")));
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
            case CLONE_FETCH -> "5. git clone, and fetch after the upstream moved on, through the git-gate";
            case LONG_SSE -> "6. a long SSE answer streams through cred-proxy and egress unbuffered";
            case BYPASS -> "7. bypass attempts (direct dial, DNS, the host, the token) all fail";
            case ISOLATION -> "8. two bottles at once: each reaches only its own allowlist";
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
