package io.claudebottle.cli;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.Backends;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.nativ.NativeBackend;
import io.claudebottle.backend.smolvm.SmolmachinesBackend;
import io.claudebottle.backend.BottleInfo;
import io.claudebottle.backend.RunningBottle;
import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.docker.DockerSidecarBundle;
import io.claudebottle.backend.docker.ImageBuilder;
import io.claudebottle.backend.docker.SidecarApp;
import io.claudebottle.manifest.BottlePolicy;
import io.claudebottle.manifest.Manifests;
import io.claudebottle.sidecar.StartTrace;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.BufferedReader;
import java.io.FileReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** {@code bottle start <agent>}: preflight, images, bottle up, the terminal attached to claude, teardown. */
@Command(name = "start",
        description = {"Start an agent in a new bottle and attach this terminal to claude; the bottle is",
                "removed when claude exits (also on Ctrl-C or SIGTERM)."})
final class StartCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HelpOption help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Parameters(paramLabel = "<agent>", description = "The agent's name (see `bottle list`).")
    String agent;

    @CommandLine.Option(names = {"-y", "--yes"}, description = "Skip the y/N preflight.")
    boolean yes;

    @CommandLine.Option(names = "--runtime", paramLabel = "<runc|runsc>",
            description = "OCI runtime (default: runsc when Docker has gVisor registered, else runc).")
    String runtime;

    @CommandLine.Option(names = "--backend", paramLabel = "<docker|native|smolmachines>",
            description = "Where the bottle runs (default: $CLAUDE_BOTTLE_BACKEND, else docker; native when no Docker"
                    + " engine is reachable). native: Linux namespaces, no Docker. smolmachines (macOS, experimental):"
                    + " the agent in a smolvm micro-VM, the sidecar in Docker (see the README).")
    String backendName;

    @CommandLine.Option(names = "--allow-host-reachable",
            description = "docker: start even when the host firewall rule cannot be installed (not root, no"
                    + " iptables); the agent can then reach services on this host's own addresses.")
    boolean allowHostReachable;

    @CommandLine.Option(names = "--offline", description = "Never install Claude Code from npm while building images.")
    boolean offline;

    @CommandLine.Option(names = "--command", paramLabel = "<cmd>", hidden = true,
            description = "Run this shell command instead of claude (tests, benchmarks).")
    String command;

    @Override
    public Integer call() {
        StartTrace.mark("cli: command line parsed");
        // Docker is the default backend: its connection is opened while the manifests are read.
        CompletableFuture<DockerBackend> docker = mayUseDocker()
                ? CompletableFuture.supplyAsync(DockerBackend::open, Thread::startVirtualThread) : null;
        try {
            return start(docker);
        } finally {
            if (docker != null) {
                docker.thenAccept(DockerBackend::close); // a no-op when the Docker path closed it already
            }
        }
    }

    /** Whether this start may run on Docker: no backend named, or docker named. */
    private boolean mayUseDocker() {
        try {
            return Backends.resolveName(backendName, System.getenv()).equals(Backends.DEFAULT);
        } catch (BackendException e) {
            return false; // reported by the backend choice below
        }
    }

    private int start(CompletableFuture<DockerBackend> docker) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Manifests manifests = ManifestSession.load();
        Optional<BottlePolicy> policy = manifests.policy(agent);
        StartTrace.mark("cli: manifests loaded, policy resolved");
        if (policy.isEmpty()) {
            ManifestSession.print(manifests.errors(), err);
            err.println("bottle: no valid agent '" + agent + "'"
                    + manifests.suggestAgent(agent).map(s -> " (did you mean '" + s + "'?)").orElse("")
                    + "; `bottle list` shows the agents, `bottle validate` what is wrong");
            return 2;
        }
        ManifestSession.print(manifests.warnings(), err);
        LaunchPlan plan;
        try {
            plan = LaunchPlan.of(policy.get(), ManifestSession.environment(), Path.of(System.getProperty("user.home")),
                    command == null ? List.of() : List.of("bash", "-c", command));
        } catch (IllegalArgumentException e) {
            err.println("bottle: " + e.getMessage());
            return 2;
        }
        if (!plan.missingSkills().isEmpty()) {
            err.println("bottle: skills not found: " + String.join(", ", plan.missingSkills()));
            return 2;
        }
        Backends.Choice choice;
        try {
            choice = Backends.chooseForStart(backendName, System.getenv(),
                    () -> docker != null && docker.handle((opened, failure) -> failure == null).join());
        } catch (BackendException e) {
            err.println("bottle: " + e.getMessage());
            return 2;
        }
        StartTrace.mark("cli: launch plan built, backend " + choice.name() + " chosen");
        if (choice.name().equals(NativeBackend.NAME)) {
            return startNative(plan, choice, out, err);
        }
        if (choice.name().equals(SmolmachinesBackend.NAME)) {
            return startSmolmachines(plan, choice, out, err);
        }
        try (DockerBackend backend = (docker != null ? await(docker) : DockerBackend.open())
                .allowHostReachable(allowHostReachable).prepareStart()) {
            // independent questions to the engine, side by side while the preflight is printed
            ImageBuilder builder = new ImageBuilder(backend, m -> err.println("bottle: " + m), offline);
            var leftovers = CompletableFuture.supplyAsync(backend::leftovers, Thread::startVirtualThread);
            // the sidecar's class path (every jar's manifest read) is part of the image look-up, off this thread
            var app = CompletableFuture.supplyAsync(SidecarApp::production, Thread::startVirtualThread);
            var built = app.thenApplyAsync(builder::existing, Thread::startVirtualThread);
            String chosenRuntime = backend.runtimeFor(Optional.ofNullable(runtime));
            warnAboutLeftovers(await(leftovers), "", err);
            out.println("backend  docker  (" + choice.reason() + ")");
            Preflight.print(plan, chosenRuntime, out);
            StartTrace.mark("cli: preflight printed");
            if (!yes && !confirm(out)) {
                err.println("bottle: not started");
                return 1;
            }
            var images = await(built).orElseGet(() -> builder.ensureAll(await(app)));
            err.flush();
            return runUntilAgentExits(backend, plan.toLaunch(images, Optional.of(chosenRuntime), true), err);
        } catch (BackendException e) {
            err.println("bottle: " + e.getMessage());
            return 2;
        }
    }

    /** The Docker-free path: no images, the sidecar as a host process, the agent in Linux namespaces. */
    private int startNative(LaunchPlan plan, Backends.Choice choice, PrintWriter out, PrintWriter err) {
        try (NativeBackend backend = NativeBackend.open()) {
            warnAboutLeftovers(backend, "native ", err);
            String tool = backend.tool().name().toLowerCase(java.util.Locale.ROOT);
            out.println("backend  native  (" + choice.reason() + ")");
            Preflight.print(plan, "native/" + tool, out);
            StartTrace.mark("cli: preflight printed");
            if (!yes && !confirm(out)) {
                err.println("bottle: not started");
                return 1;
            }
            return runUntilAgentExits(backend,
                    plan.toLaunch(new BottleLaunch.Images("none", "none"), Optional.empty(), true), err);
        } catch (BackendException e) {
            err.println("bottle: " + e.getMessage());
            return 2;
        }
    }

    /**
     * The agent in a smolvm micro-VM, its sidecar in Docker on a loopback alias. macOS and smolvm are
     * checked before Docker is touched; the images are the Docker backend's.
     */
    private int startSmolmachines(LaunchPlan plan, Backends.Choice choice, PrintWriter out, PrintWriter err) {
        try {
            SmolmachinesBackend.requireUsableHost();
            try (DockerBackend docker = DockerBackend.open();
                 SmolmachinesBackend backend = Backends.smolmachines(() -> DockerSidecarBundle.on(docker),
                         m -> err.println("bottle: " + m))) {
                warnAboutLeftovers(backend, "smolmachines ", err);
                out.println("backend  smolmachines  (" + choice.reason() + ")");
                Preflight.print(plan, SmolmachinesBackend.DESCRIPTION, out);
                if (!yes && !confirm(out)) {
                    err.println("bottle: not started");
                    return 1;
                }
                var images = new ImageBuilder(docker, m -> err.println("bottle: " + m), offline)
                        .ensureAll(SidecarApp.production());
                err.flush();
                return runUntilAgentExits(backend, plan.toLaunch(images, Optional.ofNullable(runtime), true), err);
            }
        } catch (BackendException e) {
            err.println("bottle: " + e.getMessage());
            return 2;
        }
    }

    private static void warnAboutLeftovers(Backend backend, String kind, PrintWriter err) {
        warnAboutLeftovers(backend.leftovers(), kind, err);
    }

    private static void warnAboutLeftovers(List<BottleInfo> leftovers, String kind, PrintWriter err) {
        if (!leftovers.isEmpty()) {
            err.println("bottle: warning: " + leftovers.size() + " " + kind + "bottle(s) left behind by a killed launcher ("
                    + String.join(", ", leftovers.stream().map(BottleInfo::bottleId).toList()) + "); `bottle gc` removes them");
        }
    }

    /** Brings the bottle up, runs the agent to its end, and removes the bottle (also on Ctrl-C/SIGTERM). */
    private static int runUntilAgentExits(Backend backend, BottleLaunch launch, PrintWriter err) {
        try (RunningBottle bottle = backend.start(launch, m -> err.println("bottle: " + m))) {
            StartTrace.mark("cli: bottle up");
            err.println("bottle: " + bottle.bottleId() + " is up (runtime " + bottle.runtime() + ")");
            err.flush();
            int code = bottle.runAgent(Duration.ofDays(365)).exitCode();
            err.println("bottle: " + bottle.bottleId() + ": agent exited (" + code + "); removing the bottle");
            return code;
        }
    }

    /** The value of a background step, its failure rethrown as it was thrown. */
    private static <T> T await(CompletableFuture<T> step) {
        try {
            return step.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    private static boolean confirm(PrintWriter out) {
        out.print("Start this bottle? [y/N] ");
        out.flush();
        try (BufferedReader tty = new BufferedReader(new FileReader("/dev/tty"))) {
            String answer = tty.readLine();
            return answer != null && (answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"));
        } catch (IOException e) {
            out.println();
            return false;
        }
    }
}
