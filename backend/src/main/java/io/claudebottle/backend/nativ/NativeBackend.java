package io.claudebottle.backend.nativ;

import io.claudebottle.backend.AgentEnvironment;
import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.BottleInfo;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import io.claudebottle.egress.BottleCa;
import io.claudebottle.sidecar.SidecarConfig;
import io.claudebottle.sidecar.StartTrace;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The Docker-free Linux backend. Per bottle: the sidecar as a host JVM process on kernel-chosen
 * loopback ports, the agent in a {@link NamespaceSandbox} (own user, mount, PID, IPC, UTS and
 * network namespaces; only {@code lo}), and listeners on 127.0.0.1:3128/9099/9418/9100 inside
 * the agent's namespace relayed to the sidecar. The agent has no route anywhere else: no veth, no
 * DNS server it can reach, no host address. An {@code /etc/hosts} in the sandbox maps the sidecar
 * aliases to 127.0.0.1, so the agent's env and files are the Docker backend's.
 */
public final class NativeBackend implements Backend {

    public static final String NAME = "native";
    static final String AGENT_HOME = "/home/agent";
    private static final String CA_CERT = ".bottle/ca.pem";
    private static final String CA_BUNDLE = ".bottle/ca-bundle.pem";
    static final Map<String, Integer> AGENT_PORTS = Map.of("egress", 3128, "cred-proxy", 9099, "git-gate", 9418,
            "supervise", 9100);
    static final List<String> SIDECAR_ALIASES = AgentEnvironment.SIDECAR_ALIASES;
    private static final String SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

    private final Path stateRoot;
    private final Path workDir;
    private final SandboxTool tool;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param stateRoot where each bottle's private state directory goes
     * @param workDir   the agent's writable working directory (the user's project)
     */
    public NativeBackend(Path stateRoot, Path workDir, SandboxTool tool) {
        this.stateRoot = stateRoot;
        this.workDir = workDir.toAbsolutePath().normalize();
        this.tool = tool;
    }

    /** State under {@code $XDG_RUNTIME_DIR} (or /tmp), the current directory writable, bwrap when installed. */
    public static NativeBackend open() {
        return new NativeBackend(NativeState.defaultRoot(), Path.of(System.getProperty("user.dir")), SandboxTool.detect());
    }

    /** Like {@link #open()}, with {@code workDir} as the agent's writable working directory (the demo's scratch one). */
    public static NativeBackend open(Path workDir) {
        return new NativeBackend(NativeState.defaultRoot(), workDir, SandboxTool.detect());
    }

    /** Why this machine cannot run native bottles, if it cannot (the preflight and the Docker fallback say it). */
    public static Optional<String> unavailable() {
        SandboxTool tool = SandboxTool.detect();
        if (!tool.available()) {
            return Optional.of("neither bubblewrap nor unshare is installed (apt-get install bubblewrap)");
        }
        return UserNamespaces.whyDisabled(EffectiveUid.isRoot());
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The sandbox tool bottles start with ({@code bwrap} or {@code unshare}), for the preflight. */
    public SandboxTool tool() {
        return tool;
    }

    /**
     * Brings a bottle up with as much as possible at once: the bottle CA is minted on one thread,
     * the sidecar services start on another (once the CA exists), and this one brings the sandbox
     * up, binds its listeners and then puts the CA in the agent's home. The agent command waits at
     * the sandbox's gate until {@link RunningBottle#runAgent}; the relay holds its connections
     * until the services listen.
     */
    @Override
    public RunningBottle start(BottleLaunch launch, Progress progress) {
        String id = launch.agent() + "-" + HexFormat.of().formatHex(random.generateSeed(3));
        Path dir = NativeState.privateDirectory(NativeState.privateDirectory(stateRoot).resolve(id));
        String toolName = tool.name().toLowerCase(java.util.Locale.ROOT);
        NativeBottle bottle = new NativeBottle(id, dir, toolName, launch.interactive());
        try {
            Path audit = dir.resolve("audit.jsonl");
            String self = NativeState.id(ProcessHandle.current());
            // this launcher is the bottle's sidecar process: `bottle stop` elsewhere signals it, and it tears down
            NativeState state = new NativeState(id, launch.agent(), launch.bottle(), Instant.now(), toolName, self, self, "",
                    audit.toString());
            state.write(dir);
            List<String> services = servicesFor(launch.sidecarConfig());

            progress.step("bottle " + id + ": sidecar services in this process; agent sandbox (" + toolName + ")");
            // The services start while the CA is minted, the sandbox comes up and the agent starts:
            // the agent needs only the CA and its ports. Until the services listen, the relay holds
            // the agent's connections; if they fail to start, it closes them and the bottle stops
            // (fail closed), and running the agent reports why.
            // The CA's own thread: the sandbox comes up meanwhile, and gets the CA before its gate opens.
            CompletableFuture<BottleCa> caMinted = CompletableFuture.supplyAsync(() -> BottleCa.mint(id),
                    daemonThread("bottle-ca-" + id));
            bottle.sidecarStarting(CompletableFuture.supplyAsync(() -> {
                SidecarConfig config = SidecarConfig.read(writeSidecarFiles(launch, id, dir));
                StartTrace.mark("native: sidecar config written and read");
                HostSidecar started = HostSidecar.start(config, caMinted.join(), launch.secrets(), launch.sidecarHosts());
                for (String service : services) {
                    if (!started.ports().containsKey(service)) {
                        started.close();
                        throw new BackendException("bottle " + id + ": the sidecar started no " + service
                                + " service (ports " + started.ports() + ")");
                    }
                }
                StartTrace.mark("native: sidecar services up");
                return started;
            }, daemonThread("bottle-sidecar-" + id)));

            Sandbox sandbox = bottle.sandbox(NamespaceSandbox.launch(agentSpec(launch, id), tool));
            StartTrace.mark("native: sandbox up, agent held at its gate (" + toolName + ")");
            state.withSandbox(NativeState.id(ProcessHandle.of(sandbox.pid()).orElseThrow(
                    () -> new BackendException("the sandbox of " + id + " ended while starting")))).write(dir);
            List<Integer> inside = services.stream().map(AGENT_PORTS::get).toList();
            List<ServerSocketChannel> listeners = NetnsListeners.bindAll(sandbox.pid(), inside);
            StartTrace.mark("native: ports " + inside + " bound inside the sandbox's netns");
            sandbox.addHomeFiles(caFiles(minted(caMinted).certificatePem()));
            StartTrace.mark("native: bottle CA minted and in the agent's home");
            Map<ServerSocketChannel, String> targets = new LinkedHashMap<>();
            for (int i = 0; i < listeners.size(); i++) {
                targets.put(listeners.get(i), services.get(i));
            }
            bottle.relay(LoopbackRelay.start(targets, bottle::sidecarPort));
            progress.step("bottle " + id + ": ports " + inside + " inside the sandbox relayed to the sidecar");
            return bottle;
        } catch (RuntimeException | Error e) {
            bottle.close();
            throw e;
        }
    }

    private static BottleCa minted(CompletableFuture<BottleCa> caMinted) {
        try {
            return caMinted.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error cause) {
                throw cause;
            }
            throw e;
        }
    }

    private static Executor daemonThread(String name) {
        return task -> Thread.ofPlatform().name(name).daemon().start(task);
    }

    /**
     * The services the agent gets a port for, in {@link #AGENT_PORTS} order, as the sidecar will
     * start them from {@code launchConfig} ({@link #writeSidecarFiles} always gives it an egress
     * section; the sidecar reports a service it did not start as a failed start).
     */
    static List<String> servicesFor(ObjectNode launchConfig) {
        List<String> services = new ArrayList<>();
        services.add("egress");
        if (launchConfig.has("credProxy")) {
            services.add("cred-proxy");
        }
        if (launchConfig.get("gitGate") instanceof ObjectNode gitGate && gitGate.get("repos") instanceof ArrayNode repos
                && !repos.isEmpty()) {
            services.add("git-gate");
        }
        services.add("supervise");
        return services;
    }

    /** The sidecar config with this bottle's paths and loopback ports; sidecar files under {@code dir/files}. */
    static Path writeSidecarFiles(BottleLaunch launch, String id, Path dir) {
        try {
            return writeSidecarFilesOrThrow(launch, id, dir);
        } catch (IOException e) {
            throw new BackendException("bottle " + id + ": cannot write the sidecar's files under " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    private static Path writeSidecarFilesOrThrow(BottleLaunch launch, String id, Path dir) throws IOException {
        Path files = NativeState.privateDirectory(dir.resolve("files"));
        for (var file : launch.sidecarFiles().entrySet()) {
            Files.writeString(files.resolve(file.getKey()), file.getValue());
        }
        ObjectNode config = launch.sidecarConfig().deepCopy();
        // The manifests name sidecar files as the container sees them (/run/bottle/<name>).
        rewritePaths(config, "/run/bottle/", files + "/");
        config.put("bottle", id);
        config.put("bind", "127.0.0.1");
        config.put("auditLog", dir.resolve("audit.jsonl").toString());
        config.put("caCertFile", dir.resolve("ca.pem").toString());
        config.putObject("supervise").put("port", 0);
        // the agent's namespace has no resolver to point at a DNS sink: no route, no DNS at all
        config.remove("dns");
        section(config, "egress").put("port", 0);
        if (config.has("credProxy")) {
            section(config, "credProxy").put("port", 0);
        }
        if (config.has("gitGate")) {
            section(config, "gitGate").put("port", 0).put("stateDir", dir.resolve("git").toString());
            addExtraHosts(section(config, "gitGate"), launch.sidecarHosts());
        }
        Path file = dir.resolve("config.json");
        Files.writeString(file, config.toPrettyString());
        return file;
    }

    private static void rewritePaths(JsonNode node, String from, String to) {
        if (node instanceof ObjectNode object) {
            for (String name : List.copyOf(object.propertyNames())) {
                JsonNode value = object.get(name);
                if (value.isString() && value.asString().startsWith(from)) {
                    object.put(name, to + value.asString().substring(from.length()));
                } else {
                    rewritePaths(value, from, to);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode value = array.get(i);
                if (value.isString() && value.asString().startsWith(from)) {
                    array.set(i, to + value.asString().substring(from.length()));
                } else {
                    rewritePaths(value, from, to);
                }
            }
        }
    }

    private static ObjectNode section(ObjectNode config, String name) {
        return config.get(name) instanceof ObjectNode o ? o : config.putObject(name);
    }

    /**
     * The sidecar's extra host names for the git-gate's SSH (the egress proxy gets them through its
     * resolver, see {@link HostSidecar#resolver}); a repo's own {@code extraHosts} win.
     */
    private static void addExtraHosts(ObjectNode gitGate, Map<String, String> extra) {
        if (extra.isEmpty() || !(gitGate.get("repos") instanceof ArrayNode repos)) {
            return;
        }
        for (JsonNode repo : repos) {
            if (repo instanceof ObjectNode r) {
                ObjectNode hosts = r.get("extraHosts") instanceof ObjectNode o ? o : r.putObject("extraHosts");
                extra.forEach((name, ip) -> {
                    if (!hosts.has(name)) {
                        hosts.put(name, ip.equals("host-gateway") ? "127.0.0.1" : ip);
                    }
                });
            }
        }
    }

    /**
     * What the agent runs and sees: the Docker backend's env and home files; the CA files
     * ({@link #caFiles}) join the home once the CA is minted, before the agent starts.
     */
    static SandboxSpec agentSpec(BottleLaunch launch, String id, Path workDir) {
        Map<String, String> env = AgentEnvironment.base(id);
        String bundle = AGENT_HOME + "/" + CA_BUNDLE;
        env.put("NODE_EXTRA_CA_CERTS", AGENT_HOME + "/" + CA_CERT);
        env.put("SSL_CERT_FILE", bundle);
        env.put("GIT_SSL_CAINFO", bundle);
        env.put("CURL_CA_BUNDLE", bundle);
        env.put("REQUESTS_CA_BUNDLE", bundle);
        env.putAll(launch.agentEnv());
        Map<String, byte[]> files = new LinkedHashMap<>();
        launch.agentFiles().forEach((path, content) -> files.put(path, content.getBytes(StandardCharsets.UTF_8)));
        Map<String, Path> readOnly = new LinkedHashMap<>();
        launch.skills().forEach((name, dir) -> readOnly.put(".claude/skills/" + name, dir.toAbsolutePath()));
        StringBuilder hosts = new StringBuilder("127.0.0.1 localhost ").append(String.join(" ", SIDECAR_ALIASES))
                .append("\n::1 localhost ip6-localhost ip6-loopback\n");
        return new SandboxSpec(launch.agentCommand(), workDir, AGENT_HOME, env, files, readOnly, hosts.toString());
    }

    private SandboxSpec agentSpec(BottleLaunch launch, String id) {
        return agentSpec(launch, id, workDir);
    }

    /** The bottle CA for the agent's home: alone for Node, and appended to the system's bundle for the rest. */
    static Map<String, byte[]> caFiles(String caPem) {
        return Map.of(CA_CERT, caPem.getBytes(StandardCharsets.UTF_8),
                CA_BUNDLE, (systemBundle() + "\n" + caPem).getBytes(StandardCharsets.UTF_8));
    }

    private static String systemBundle() {
        try {
            Path system = Path.of(SYSTEM_CA_BUNDLE);
            return Files.isReadable(system) ? Files.readString(system) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public List<BottleInfo> list() {
        List<BottleInfo> bottles = new ArrayList<>();
        for (Path dir : NativeState.directories(stateRoot)) {
            Optional<NativeState> state = NativeState.read(dir);
            if (state.isEmpty()) {
                bottles.add(new BottleInfo(dir.getFileName().toString(), "?", "?", Instant.EPOCH, NAME, false,
                        "state unreadable"));
                continue;
            }
            NativeState s = state.get();
            boolean launcher = NativeState.live(s.launcher()).isPresent();
            boolean sidecar = NativeState.live(s.sidecar()).isPresent();
            boolean agent = NativeState.live(s.sandbox()).isPresent();
            String what = agent && sidecar ? "running" : sidecar ? "sidecar only" : agent ? "agent only" : "stopped";
            bottles.add(new BottleInfo(s.bottleId(), s.agent(), s.bottle(), s.created(), NAME + "/" + s.tool(), launcher, what));
        }
        return bottles;
    }

    @Override
    public boolean stop(String bottleId) {
        if (bottleId.contains("/") || bottleId.startsWith(".")) {
            throw new BackendException("'" + bottleId + "' is not a bottle id; `bottle ps` lists them");
        }
        Path dir = stateRoot.resolve(bottleId);
        if (!Files.isDirectory(dir)) {
            return false;
        }
        Optional<NativeBottle> ours = NativeBottle.running(dir);
        if (ours.isPresent()) {
            ours.get().close(); // a bottle of this very process: its sidecar services live here
            return true;
        }
        NativeState.read(dir).ifPresent(NativeBackend::kill);
        NativeState.deleteTree(dir);
        return true;
    }

    /**
     * SIGKILL to the sandbox's init takes its whole PID namespace; the sidecar — the launcher, which
     * then tears the rest down — gets SIGTERM, then SIGKILL.
     */
    private static void kill(NativeState state) {
        NativeState.live(state.sandbox()).ifPresent(ProcessHandle::destroyForcibly);
        NativeState.live(state.sidecar()).filter(p -> p.pid() != ProcessHandle.current().pid()).ifPresent(sidecar -> {
            sidecar.destroy();
            try {
                sidecar.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception notYet) {
                sidecar.destroyForcibly();
            }
        });
    }

    @Override
    public List<BottleInfo> leftovers() {
        return list().stream().filter(b -> !b.launcherAlive()).toList();
    }

    @Override
    public List<String> gc() {
        List<String> removed = new ArrayList<>();
        for (BottleInfo b : leftovers()) {
            if (stop(b.bottleId())) {
                removed.add(b.bottleId());
            }
        }
        NamespaceSandbox.removeLeftovers();
        return removed;
    }

    /** The audit log of a bottle of this user (JSON lines), for {@code bottle audit}. */
    public Path auditLog(String bottleId) {
        Path dir = stateRoot.resolve(bottleId);
        return NativeState.read(dir).map(s -> Path.of(s.auditLog())).orElseThrow(() -> new BackendException(
                "no native bottle '" + bottleId + "' under " + stateRoot + "; `bottle ps` lists the running ones"));
    }

    /** Whether a native bottle of this user has that id (running or left over). */
    public boolean has(String bottleId) {
        return !bottleId.contains("/") && !bottleId.startsWith(".") && Files.isDirectory(stateRoot.resolve(bottleId));
    }

    /**
     * Streams the audit log lines of a bottle to {@code sink}: what is there now, and with
     * {@code follow} new lines until the bottle is removed.
     */
    public void audit(String bottleId, boolean follow, Consumer<String> sink) {
        Path log = auditLog(bottleId);
        Path dir = stateRoot.resolve(bottleId);
        try (var reader = Files.newBufferedReader(log)) {
            while (true) {
                String line = reader.readLine();
                if (line != null) {
                    sink.accept(line);
                } else if (follow && Files.isDirectory(dir)) {
                    Thread.sleep(200);
                } else {
                    return;
                }
            }
        } catch (java.nio.file.NoSuchFileException gone) {
            // the bottle was removed while we read: nothing more to print
        } catch (IOException e) {
            throw new BackendException("cannot read the audit log " + log + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Streams what the audit log holds now. */
    public void audit(String bottleId, Consumer<String> sink) {
        audit(bottleId, false, sink);
    }

    /** Denied requests in a bottle's audit log so far, or empty when it cannot be read. */
    public Optional<Long> denials(String bottleId) {
        try (var lines = Files.lines(auditLog(bottleId))) {
            return Optional.of(lines.filter(l -> DENIAL.matcher(l).find()).count());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static final java.util.regex.Pattern DENIAL = java.util.regex.Pattern.compile(
            "\"(decision|verdict|action)\" *: *\"(deny|denied|block|blocked|reject|rejected)\"", java.util.regex.Pattern.CASE_INSENSITIVE);

    Path stateRoot() {
        return stateRoot;
    }

    @Override
    public void close() {
        // nothing held between bottles
    }
}
