package io.claudebottle.backend.smolvm;

import io.claudebottle.backend.AgentEnvironment;
import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BottleInfo;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The experimental smolmachines backend (macOS): the agent runs in a smolvm micro-VM, the sidecar
 * bundle stays in Docker with its agent-facing ports published on the bottle's own loopback alias,
 * and the VM's TSI egress allowlist is exactly that alias's {@code /32} — so the agent reaches its
 * own sidecar and nothing else: not other bottles, not other host loopback services, not the
 * internet.
 *
 * <p>A start: reserve an alias → start the sidecar bundle on the alias → pack the agent image
 * (cached by image id) → {@code machine create} → patch the allowlist into smolvm's state DB
 * ({@link SmolvmStateDb}) and read it back → {@code machine start}, under the alias pool's lock and
 * only while the alias is still this bottle's → point the sidecar's hostnames at the alias in
 * {@code /etc/hosts} and the resolver at the sidecar's DNS sink on the alias, and copy the agent's
 * files in.
 * The VM is never started unless its allowlist reads back as exactly the alias's {@code /32}. On
 * any failure, and when the {@link RunningBottle} is closed (Ctrl-C included), the machine is
 * stopped and deleted, the sidecar removed and the alias released.
 */
public final class SmolmachinesBackend implements Backend {

    public static final String NAME = "smolmachines";
    /** What the preflight says about where this backend runs a bottle. */
    public static final String DESCRIPTION = "smolmachines (agent in a micro-VM; sidecar in Docker on a loopback alias "
            + LoopbackAliasPool.ALIASES.getFirst() + "–" + LoopbackAliasPool.ALIASES.getLast() + ")";
    static final String AGENT_HOME = "/home/agent";

    /**
     * The sidecar bundle of a bottle, which stays in Docker ({@code docker.DockerSidecarBundle}).
     * Closing the bundle closes its engine connection, not the sidecars it started.
     */
    public interface SidecarBundle extends AutoCloseable {
        /**
         * Starts the bottle's sidecar with its ports (egress 3128, cred-proxy 9099, git-gate 9418,
         * supervise 9100, DNS sink 53/udp+tcp) published on {@code alias} only, and returns once it is healthy. On failure
         * nothing of it is left.
         */
        Running start(String bottleId, BottleLaunch launch, String alias, Progress progress);

        /** Removes the sidecar of a bottle whose launcher is gone; false if there was none. */
        boolean remove(String bottleId);

        @Override
        default void close() {
        }

        /**
         * For {@code bottle ps/stop/gc} on a host whose Docker engine does not answer: no sidecar can
         * be running then (an engine that comes back does not restart them), so there is none to remove.
         */
        static SidecarBundle engineDown() {
            return new SidecarBundle() {
                @Override
                public Running start(String bottleId, BottleLaunch launch, String alias, Progress progress) {
                    throw new SmolvmException("no Docker engine answers; the smolmachines backend runs its sidecars in "
                            + "Docker: start Docker Desktop and try again");
                }

                @Override
                public boolean remove(String bottleId) {
                    return false;
                }
            };
        }

        /** A started sidecar bundle; closing it removes it. */
        interface Running extends AutoCloseable {
            /** The per-bottle CA certificate (PEM) the agent must trust. */
            String caPem();

            /** Runs a command in the sidecar; returns its stdout. */
            String exec(List<String> command);

            /** The agent takes the terminal: the sidecar's progress lines stop here. */
            default void agentTakesTerminal() {
            }

            @Override
            void close();
        }
    }

    private final SmolvmCommands smolvm;
    private final SmolvmStateDb stateDb;
    private final LoopbackAliasPool aliases;
    private final AgentImagePacker images;
    private final SidecarBundle sidecars;
    private final Consumer<String> notice;
    /** Throws unless this instance may start bottles (one opened for ps/stop/gc on any host may not). */
    private final Runnable startCheck;
    private final SecureRandom random = new SecureRandom();

    SmolmachinesBackend(SmolvmCommands smolvm, SmolvmStateDb stateDb, LoopbackAliasPool aliases,
                        AgentImagePacker images, SidecarBundle sidecars, Consumer<String> notice) {
        this(smolvm, stateDb, aliases, images, sidecars, notice, () -> { });
    }

    private SmolmachinesBackend(SmolvmCommands smolvm, SmolvmStateDb stateDb, LoopbackAliasPool aliases,
                                AgentImagePacker images, SidecarBundle sidecars, Consumer<String> notice, Runnable startCheck) {
        this.smolvm = smolvm;
        this.stateDb = stateDb;
        this.aliases = aliases;
        this.images = images;
        this.sidecars = sidecars;
        this.notice = notice;
        this.startCheck = startCheck;
    }

    /**
     * Fails, saying how to get there, unless this host can run smolmachines bottles: macOS with
     * {@code smolvm} on PATH. Touches nothing, so callers check it before they connect to Docker.
     */
    public static void requireUsableHost() {
        requireUsableHost(HostPlatform.current(), ProcessRunner.inheritingEnvironment());
    }

    static SmolvmCommands requireUsableHost(HostPlatform platform, ProcessRunner runner) {
        SmolvmCommands smolvm = new SmolvmCommands(runner);
        boolean installed = runner.which(SmolvmCommands.EXECUTABLE).isPresent();
        if (platform != HostPlatform.MACOS) {
            throw new SmolvmException("the smolmachines backend is macOS-only (experimental): it needs macOS and "
                    + "`smolvm` on PATH (this host: " + platform + (installed ? "" : ", no smolvm on PATH")
                    + "); elsewhere the agent VM's egress allowlist could not be enforced. On a Mac, install smolvm (`"
                    + SmolvmCommands.INSTALL_COMMAND + "`); here, use the default backend (unset CLAUDE_BOTTLE_BACKEND, "
                    + "or pass `--backend docker`).");
        }
        smolvm.requireInstalled();
        return smolvm;
    }

    /**
     * The backend for this host, keeping alias reservations under {@code stateDir} and packed agent
     * images under {@code cacheDir}. {@code sidecars} is asked for only once the host checks passed.
     *
     * @throws SmolvmException when the host is not macOS or {@code smolvm} is not on PATH
     */
    public static SmolmachinesBackend forThisHost(Path stateDir, Path cacheDir, Supplier<? extends SidecarBundle> sidecars,
                                                  Consumer<String> notice) {
        return forHost(HostPlatform.current(), ProcessRunner.inheritingEnvironment(),
                Path.of(System.getProperty("user.home")), stateDir, cacheDir, sidecars, notice);
    }

    /** {@link #forThisHost} on a given platform, PATH and home (smolvm's state DB lives under it). */
    static SmolmachinesBackend forHost(HostPlatform platform, ProcessRunner runner, Path home, Path stateDir,
                                       Path cacheDir, Supplier<? extends SidecarBundle> sidecars, Consumer<String> notice) {
        SmolvmCommands smolvm = requireUsableHost(platform, runner);
        return new SmolmachinesBackend(smolvm, new SmolvmStateDb(SmolvmStateDb.defaultPath(home), platform, notice),
                new LoopbackAliasPool(stateDir.resolve("loopback-aliases"),
                        LoopbackInterface.forThisHost(platform, runner, notice), ProcessHandle.current()),
                new AgentImagePacker(runner, smolvm, cacheDir), sidecars.get(), notice);
    }

    /**
     * The smolmachines bottles of this host, for {@code bottle ps}, {@code stop} and {@code gc}; empty
     * when no alias under {@code stateDir} is reserved (nothing is created then). Unlike
     * {@link #forThisHost} it opens on any host, because it starts nothing ({@link #start} still
     * refuses off macOS); removing a VM needs {@code smolvm} on PATH, and an alias stays reserved
     * until its VM is gone. {@code sidecars} is asked for only when there are reservations.
     */
    public static Optional<SmolmachinesBackend> existing(Path stateDir, Path cacheDir,
                                                         Supplier<? extends SidecarBundle> sidecars, Consumer<String> notice) {
        return existing(HostPlatform.current(), ProcessRunner.inheritingEnvironment(),
                Path.of(System.getProperty("user.home")), stateDir, cacheDir, sidecars, notice);
    }

    /** {@link #existing} on a given platform, PATH and home. */
    static Optional<SmolmachinesBackend> existing(HostPlatform platform, ProcessRunner runner, Path home, Path stateDir,
                                                  Path cacheDir, Supplier<? extends SidecarBundle> sidecars,
                                                  Consumer<String> notice) {
        Path pool = stateDir.resolve("loopback-aliases");
        if (!LoopbackAliasPool.anyReservationIn(pool)) {
            return Optional.empty();
        }
        SmolvmCommands smolvm = new SmolvmCommands(runner);
        return Optional.of(new SmolmachinesBackend(smolvm, new SmolvmStateDb(SmolvmStateDb.defaultPath(home), platform, notice),
                new LoopbackAliasPool(pool, LoopbackInterface.forThisHost(platform, runner, notice), ProcessHandle.current()),
                new AgentImagePacker(runner, smolvm, cacheDir), sidecars.get(), notice,
                () -> requireUsableHost(platform, runner)));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RunningBottle start(BottleLaunch launch, Progress progress) {
        startCheck.run();
        smolvm.requireInstalled();
        String id = launch.agent() + "-" + HexFormat.of().formatHex(random.generateSeed(3));
        SmolvmBottle bottle = new SmolvmBottle(id, launch.interactive());
        try {
            LoopbackAliasPool.Lease lease = aliases.reserve(id, this::evict);
            bottle.lease = lease;
            progress.step("bottle " + id + ": sidecar (Docker, published on loopback alias " + lease.alias() + " only)");
            bottle.sidecar = sidecars.start(id, launch, lease.alias(), progress);
            Path smolmachine = images.smolmachineFor(launch.images().agent());

            String machine = SmolvmCommands.machineName(id);
            progress.step("bottle " + id + ": agent VM " + machine);
            bottle.machine = machine;
            Map<Path, String> skills = new LinkedHashMap<>();
            launch.skills().forEach((name, dir) -> skills.put(dir.toAbsolutePath(), AGENT_HOME + "/.claude/skills/" + name));
            smolvm.createMachine(machine, smolmachine, lease.cidr(), skills);
            stateDb.forceAllowlist(machine, List.of(lease.cidr()));
            requireAllowlist(machine, lease.cidr());
            if (!aliases.runIfHeld(lease, () -> smolvm.startMachine(machine))) {
                removeMachineAndSidecar(id);
                throw new SmolvmException("bottle " + id + " was stopped (`bottle stop`) while it was starting: its alias "
                        + lease.alias() + " was released, so its VM was deleted unstarted; start a new bottle");
            }

            // The agent's config names the sidecar by the Docker backend's aliases (cred-proxy, git-gate, …):
            // in the VM they all mean the bottle's loopback alias.
            smolvm.appendFile(machine, "/etc/hosts",
                    (lease.alias() + " " + String.join(" ", AgentEnvironment.SIDECAR_ALIASES) + "\n")
                            .getBytes(StandardCharsets.UTF_8));
            smolvm.writeFile(machine, "/etc/resolv.conf", resolvConf(lease.alias()).getBytes(StandardCharsets.UTF_8));
            Map<String, String> files = new LinkedHashMap<>(launch.agentFiles());
            files.put(".bottle/ca.pem", bottle.sidecar.caPem());
            files.forEach((path, content) ->
                    smolvm.writeFile(machine, AGENT_HOME + "/" + path, content.getBytes(StandardCharsets.UTF_8)));
            bottle.agentEnv = agentEnv(id, lease.alias(), launch.agentEnv());
            bottle.agentCommand = launch.agentCommand();
            notice.accept("bottle " + id + ": agent VM " + machine + " up, egress limited to " + lease.cidr());
            return bottle;
        } catch (RuntimeException e) {
            bottle.teardown(e);
            bottle.forgetShutdownHook();
            throw e;
        }
    }

    /**
     * The base environment every backend gives its agent ({@link AgentEnvironment}), with the proxy
     * addressed by the alias itself (it works even if the VM's {@code /etc/hosts} is not honoured),
     * the alias exempt from the proxy, and the CA; then the launch's own env.
     */
    static Map<String, String> agentEnv(String bottleId, String alias, Map<String, String> launchEnv) {
        Map<String, String> env = AgentEnvironment.base(bottleId);
        String proxy = "http://" + alias + ":" + AgentEnvironment.EGRESS_PORT;
        for (String name : List.of("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")) {
            env.put(name, proxy);
        }
        for (String name : List.of("NO_PROXY", "no_proxy")) {
            env.put(name, String.join(",", AgentEnvironment.SIDECAR_ALIASES) + "," + alias + ",localhost,127.0.0.1");
        }
        env.put("HOME", AGENT_HOME);
        env.put("NODE_EXTRA_CA_CERTS", AGENT_HOME + "/.bottle/ca.pem");
        env.put("BOTTLE_SIDECAR_HOST", alias);
        env.putAll(launchEnv);
        return env;
    }

    /**
     * The VM's resolver is the sidecar's DNS sink on the alias (published there on 53/udp and 53/tcp),
     * which refuses every name and audits it, as in the Docker backend. This is for the audit trail,
     * not the guarantee: the TSI allowlist (the alias's /32) already stops any query to any other
     * resolver. TCP ({@code use-vc}) because the VM's TCP to the alias is the path known to work.
     */
    static String resolvConf(String alias) {
        return "# claude-bottle: the sidecar's DNS sink; it resolves nothing, the proxy resolves for the agent\n"
                + "nameserver " + alias + "\noptions use-vc timeout:2 attempts:1\n";
    }

    /** Fail closed: a VM whose allowlist is not exactly its alias's /32 is never started. */
    private void requireAllowlist(String machine, String cidr) {
        Optional<List<String>> actual = stateDb.allowedCidrs(machine);
        if (!actual.equals(Optional.of(List.of(cidr)))) {
            throw new SmolvmException("smolvm machine '" + machine + "' would start with egress allowlist "
                    + actual.map(Object::toString).orElse("null (unrestricted)") + " instead of [" + cidr + "] in "
                    + stateDb.dbFile() + "; refusing to start it. Is this smolvm version supported (0.8)?");
        }
    }

    @Override
    public List<BottleInfo> list() {
        return aliases.reservations().stream()
                .map(r -> new BottleInfo(r.bottleId(), agentOf(r.bottleId()), "?", r.reservedAt(), "smolvm",
                        r.live(), r.live() ? "running, alias " + r.alias() : "alias " + r.alias() + " still reserved"))
                .toList();
    }

    /** Whether {@code bottleId} is a smolmachines bottle of this host (its alias is reserved). */
    public boolean has(String bottleId) {
        return aliases.reservations().stream().anyMatch(r -> r.bottleId().equals(bottleId));
    }

    /**
     * Deletes the bottle's VM, removes its sidecar, then frees its alias, all under the pool lock, so
     * a launcher still starting this bottle cannot boot a VM on an alias that is free again
     * ({@link LoopbackAliasPool#runIfHeld}). If the VM cannot be deleted the alias stays reserved.
     * Without a reservation there is no VM (an alias is freed only once its VM is gone), so only a
     * sidecar can be left.
     */
    @Override
    public boolean stop(String bottleId) {
        return aliases.release(bottleId, held -> removeMachineAndSidecar(bottleId)) || sidecars.remove(bottleId);
    }

    @Override
    public List<BottleInfo> leftovers() {
        return list().stream().filter(b -> !b.launcherAlive()).toList();
    }

    @Override
    public List<String> gc() {
        return aliases.reclaimStale(stale -> {
            try {
                evict(stale);
            } catch (RuntimeException e) {
                notice.accept("bottle " + stale.bottleId() + ": alias " + stale.alias() + " kept reserved: " + e.getMessage());
                throw e;
            }
        }).stream().map(LoopbackAliasPool.Reservation::bottleId).toList();
    }

    /**
     * Removes what a dead launcher left on its alias before anyone else gets the alias: its VM may
     * still run and is allowed to reach that alias, so it must be gone first.
     */
    private void evict(LoopbackAliasPool.Reservation stale) {
        removeMachineAndSidecar(stale.bottleId());
    }

    private boolean removeMachineAndSidecar(String bottleId) {
        String machine = SmolvmCommands.machineName(bottleId);
        if (smolvm.installedPath().isEmpty()) {
            throw new SmolvmException("cannot make sure smolvm machine '" + machine + "' is gone: `smolvm` is not on PATH, "
                    + "so its alias stays reserved; put smolvm back on PATH (install: `" + SmolvmCommands.INSTALL_COMMAND
                    + "`) and run this again");
        }
        smolvm.runQuietly(SmolvmCommands.stop(machine));
        smolvm.deleteIfPresent(machine);
        return sidecars.remove(bottleId);
    }

    @Override
    public void close() {
        sidecars.close();
    }

    private static String agentOf(String bottleId) {
        int dash = bottleId.lastIndexOf('-');
        return dash > 0 ? bottleId.substring(0, dash) : bottleId;
    }

    /** One started bottle; closing it (or JVM shutdown) undoes every step, each regardless of the others. */
    private final class SmolvmBottle implements RunningBottle {
        private final String id;
        private final boolean interactive;
        private final Thread shutdownHook;
        private boolean tornDown;
        volatile LoopbackAliasPool.Lease lease;
        volatile SidecarBundle.Running sidecar;
        volatile String machine;
        volatile Map<String, String> agentEnv = Map.of();
        volatile List<String> agentCommand = List.of();

        SmolvmBottle(String id, boolean interactive) {
            this.id = id;
            this.interactive = interactive;
            this.shutdownHook = Thread.ofPlatform().name("bottle-teardown-" + id).unstarted(() -> teardown(null));
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }

        @Override
        public String bottleId() {
            return id;
        }

        @Override
        public String runtime() {
            return "smolvm";
        }

        @Override
        public AgentResult runAgent(Duration timeout) {
            if (interactive) {
                sidecar.agentTakesTerminal();
                return new AgentResult(smolvm.attach(machine, agentEnv, agentCommand), "", "");
            }
            ProcessRunner.Result r = smolvm.execCaptured(machine, agentEnv, agentCommand, timeout);
            return new AgentResult(r.exitCode(), r.stdout(), r.stderr());
        }

        @Override
        public String sidecarExec(List<String> command) {
            return sidecar.exec(command);
        }

        @Override
        public void close() {
            teardown(null);
            forgetShutdownHook();
        }

        void forgetShutdownHook() {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }

        synchronized void teardown(RuntimeException failure) {
            if (tornDown) {
                return;
            }
            tornDown = true;
            if (lease != null && !lease.held()) {
                return; // `bottle stop` from another launcher has already removed everything
            }
            boolean machineGone = machine == null || attempt(failure, () -> {
                smolvm.runQuietly(SmolvmCommands.stop(machine));
                smolvm.deleteIfPresent(machine);
            });
            if (sidecar != null) {
                attempt(failure, sidecar::close);
            }
            if (lease != null && machineGone) {
                // Kept otherwise: once this launcher is gone the reservation is stale, and `bottle gc`
                // deletes the machine it names before freeing the alias.
                attempt(failure, lease::close);
            }
        }

        private boolean attempt(RuntimeException failure, Runnable step) {
            try {
                step.run();
                return true;
            } catch (RuntimeException e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else {
                    notice.accept("bottle " + id + ": teardown step failed: " + e.getMessage() + " (`bottle gc` retries it)");
                }
                return false;
            }
        }
    }
}
