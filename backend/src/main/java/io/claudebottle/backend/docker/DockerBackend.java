package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import io.claudebottle.backend.AgentEnvironment;
import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.BottleInfo;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import io.claudebottle.sidecar.StartTrace;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The Docker backend. Per bottle: an {@code --internal} network whose bridge has a predictable name
 * and an {@code INPUT} drop rule (the host is unreachable from it), an egress network, a sidecar on
 * both (aliases {@code pipelock egress cred-proxy git-gate supervise} on the internal one) and an
 * agent on the internal network only. Everything carries the bottle id label. Engine calls go through
 * {@link EngineApi}; docker-java's client only builds and prunes images and probes runtimes.
 */
public final class DockerBackend implements Backend {

    static final int EGRESS_PORT = AgentEnvironment.EGRESS_PORT;
    static final int CRED_PROXY_PORT = 9099;
    static final int GIT_GATE_PORT = 9418;
    static final int SUPERVISE_PORT = 9100;
    /** The sidecar's DNS sink: the agent's only resolver upstream (--dns takes an address, so port 53). */
    static final int DNS_PORT = 53;
    static final List<String> SIDECAR_ALIASES = AgentEnvironment.SIDECAR_ALIASES;
    static final String AGENT_HOME = "/home/agent";
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(60);

    private final DockerConnection.Engine engine;
    private final EngineApi api;
    private final HostFirewall firewall;
    private final SecureRandom random = new SecureRandom();
    private volatile boolean allowHostReachable;
    private volatile JsonNode info;
    private CompletableFuture<Optional<String>> firewallGap;

    public DockerBackend(DockerClient docker) {
        this(docker, new HostFirewall());
    }

    DockerBackend(DockerClient docker, HostFirewall firewall) {
        this(DockerConnection.Engine.of(docker), firewall);
    }

    private DockerBackend(DockerConnection.Engine engine, HostFirewall firewall) {
        this.engine = engine;
        this.api = engine.api();
        this.firewall = firewall;
    }

    /**
     * Lets {@link #start} run a bottle without the host firewall rule when iptables cannot be used
     * (not root): the host's own addresses are then reachable from the agent. Off by default, so
     * such a start is refused with the reason and the fix ({@code bottle start --allow-host-reachable}).
     */
    public DockerBackend allowHostReachable(boolean allow) {
        this.allowHostReachable = allow;
        return this;
    }

    /** Opens the local Docker engine. */
    public static DockerBackend open() {
        return new DockerBackend(DockerConnection.engine(), new HostFirewall());
    }

    /** docker-java's client on this backend's connection, set up on first use. */
    public DockerClient client() {
        return engine.client();
    }

    @Override
    public String name() {
        return "docker";
    }

    /**
     * Starts what {@link #start} checks first (whether the host firewall rule can be installed) in the
     * background, so that it overlaps a launcher's preflight.
     */
    public DockerBackend prepareStart() {
        firewallGap();
        return this;
    }

    /** Why the host firewall rule cannot be installed, or empty; checked once per backend. */
    private synchronized CompletableFuture<Optional<String>> firewallGap() {
        if (firewallGap == null) {
            firewallGap = CompletableFuture.supplyAsync(firewall::unavailable, Thread::startVirtualThread);
        }
        return firewallGap;
    }

    /** The runtime a launch would use: {@code runsc} when registered, unless {@code requested} says otherwise. */
    public String runtimeFor(Optional<String> requested) {
        return RuntimeDetector.choose(this::client, info(), requested, ImageBuilder.defaultCacheDir());
    }

    EngineApi api() {
        return api;
    }

    /** The engine's {@code docker info}, asked once: the preflight's runtime choice and the start share it. */
    private JsonNode info() {
        var known = info;
        if (known == null) {
            known = api.get("/info");
            info = known;
        }
        return known;
    }

    @Override
    public RunningBottle start(BottleLaunch launch, Progress progress) {
        StartTrace.mark("docker: start (preflight and images done)");
        long t0 = System.nanoTime();
        Optional<String> noFirewall = firewallGap().join();
        if (noFirewall.isPresent() && !allowHostReachable) {
            throw new BackendException(HostFirewall.refusal(noFirewall.get()));
        }
        noFirewall.ifPresent(why -> progress.step(HostFirewall.warning(why)));
        String runtime = runtimeFor(launch.runtime());
        String suffix = HexFormat.of().formatHex(random.generateSeed(3));
        String id = launch.agent() + "-" + suffix;
        Names names = new Names(id, "cb" + suffix + "i", "cb" + suffix + "e");
        DockerBottle bottle = new DockerBottle(engine, firewall, id, runtime, names, launch.interactive());
        try {
            progress.step("bottle " + id + ": networks (internal bridge " + names.internalBridge() + ", runtime " + runtime + ")");
            // the two networks are independent: create them side by side (each is a few hundred ms of dockerd work)
            var egress = CompletableFuture.runAsync(() ->
                    createNetwork(names.egress(), names.egressBridge(), false, launch, id, runtime, "egress"),
                    Thread::startVirtualThread);
            createNetwork(names.internal(), names.internalBridge(), true, launch, id, runtime, "internal");
            if (noFirewall.isEmpty()) {
                firewall.isolate(names.internalBridge(), id);
            }
            join(egress);

            StartTrace.mark("docker: networks and firewall rule");
            progress.step("bottle " + id + ": sidecar (" + elapsed(t0) + ")");
            String sidecar = createSidecar(launch, id, runtime, names);
            StartTrace.mark("docker: sidecar created");
            ObjectNode connect = EngineApi.object().put("Container", sidecar);
            SIDECAR_ALIASES.forEach(connect.putObject("EndpointConfig").putArray("Aliases")::add);
            api.post("/networks/" + names.internal() + "/connect", connect);
            api.post("/containers/" + sidecar + "/start", null);
            StartTrace.mark("docker: sidecar started");
            bottle.followMirrorSync(MirrorSyncRelay.start(api, names.sidecar(), gitRepoNames(launch), progress::step));
            // The agent container is created and started while the sidecar's JVM boots: its entrypoint
            // waits until every service listens, then takes the bottle CA from supervise before its
            // command runs. Health is checked alongside; a sidecar that fails stops the agent.
            List<String> addresses = sidecarAddresses(sidecar, names);
            String supervise = "http://" + addresses.getFirst() + ":" + SUPERVISE_PORT;
            CompletableFuture<Void> healthy = CompletableFuture.runAsync(() -> {
                waitHealthy(supervise, sidecar, id);
                StartTrace.mark("docker: sidecar healthy");
                if (StartTrace.on()) {
                    sidecarTrace(sidecar);
                }
                // no progress line here: by now the user's terminal may belong to the agent
            }, Thread::startVirtualThread);
            bottle.sidecarStarting(healthy);
            progress.step("bottle " + id + ": agent (" + elapsed(t0) + ")");
            createAgent(launch, id, runtime, names, addresses.getLast());
            StartTrace.mark("docker: agent created");
            return bottle;
        } catch (RuntimeException e) {
            bottle.close();
            throw e;
        }
    }

    /** The sidecar's own trace marks (on the launcher's clock) among the launcher's, for the start benchmark. */
    private void sidecarTrace(String sidecar) {
        for (String line : DockerBottle.logs(api, sidecar, 200).split("\n")) {
            if (line.startsWith("trace ")) {
                System.err.println(line);
            }
        }
    }

    private static String elapsed(long t0) {
        return (System.nanoTime() - t0) / 1_000_000 + " ms";
    }

    private static void join(CompletableFuture<Void> task) {
        try {
            task.join();
        } catch (CancellationException e) {
            throw new BackendException("cancelled", e);
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    void createNetwork(String name, String bridge, boolean internal, BottleLaunch launch, String id,
                       String runtime, String role) {
        ObjectNode network = EngineApi.object().put("Name", name).put("Driver", "bridge").put("Internal", internal)
                .put("CheckDuplicate", true);
        network.putObject("Options").put("com.docker.network.bridge.name", bridge)
                // no container-to-container traffic on the egress bridge except the sidecar's own
                .put("com.docker.network.bridge.enable_icc", internal ? "true" : "false");
        putStrings(network.putObject("Labels"), Labels.of(id, role, launch.agent(), launch.bottle(), runtime));
        api.post("/networks/create", network);
    }

    private String createSidecar(BottleLaunch launch, String id, String runtime, Names names) {
        return createContainer(names.sidecar(), sidecarContainer(launch, id, runtime, names));
    }

    /** {@code POST /containers/create} of {@code body} under {@code name}; the new container's id. */
    String createContainer(String name, ObjectNode body) {
        return api.post("/containers/create?name=" + EngineApi.query(name), body).path("Id").asString();
    }

    /**
     * The sidecar's Engine API create body, not issued yet: {@link DockerSidecarBundle} adds its port
     * bindings. The name goes with the request ({@link #createContainer}).
     */
    ObjectNode sidecarContainer(BottleLaunch launch, String id, String runtime, Names names) {
        ObjectNode config = sidecarConfig(launch, id);
        List<String> binds = new ArrayList<>();
        JsonNode repos = config.path("gitGate").path("repos");
        for (int i = 0; i < repos.size(); i++) {
            if (repos.get(i) instanceof ObjectNode repo && repo.hasNonNull("identityFile")) {
                // The key stays a host file, mounted read-only; the sidecar runs as the launching user so
                // that a 0600 key is readable.
                String inside = "/run/bottle-keys/" + i;
                binds.add(Path.of(repo.get("identityFile").asString()).toAbsolutePath() + ":" + inside + ":ro");
                repo.put("identityFile", inside);
            }
        }
        Map<String, String> files = new LinkedHashMap<>(launch.sidecarFiles());
        files.put("config.json", config.toPrettyString());
        List<String> env = new ArrayList<>();
        env.add("BOTTLE_FILES=" + Tarball.base64(files));
        env.add("HOME=/tmp"); // the launching user's uid has no home in the image; native-library caches go here
        if (StartTrace.on()) {
            // the same origin as the launcher's marks: the benchmark's clock, else this process's start
            String t0 = System.getProperty("bottle.trace.t0", String.valueOf(ProcessHandle.current().info().startInstant()
                    .map(Instant::toEpochMilli).orElse(System.currentTimeMillis())));
            env.add("BOTTLE_TRACE_T0=" + t0);
        }
        // Tokens go to the sidecar's environment only: through the Engine API (never an argv), so they
        // are visible to `docker inspect` of the sidecar (root-equivalent users) and nowhere in the agent.
        launch.secrets().forEach((k, v) -> env.add(k + "=" + v));
        String user = Users.uid() + ":" + Users.gid();
        String tmpfsOwner = "uid=" + Users.uid() + ",gid=" + Users.gid();
        ObjectNode create = container(launch.images().sidecar(), "sidecar", user, env,
                Labels.of(id, "sidecar", launch.agent(), launch.bottle(), runtime));
        ObjectNode host = hardened(create, names.egress(), runtime);
        host.putObject("Tmpfs")
                .put("/run/bottle", "rw,noexec,nosuid,nodev,size=64m,mode=0700," + tmpfsOwner)
                .put("/var/lib/bottle", "rw,noexec,nosuid,nodev,size=1g,mode=0700," + tmpfsOwner)
                // exec: if the image's native libraries cannot be loaded, Netty and JavaCPP unpack their own here
                .put("/tmp", "rw,exec,nosuid,nodev,size=256m,mode=1777");
        host.put("PidsLimit", 512L);
        // the DNS sink listens on 53 (gVisor ignores net.ipv4.ip_unprivileged_port_start; this works on both)
        host.putArray("CapAdd").add("NET_BIND_SERVICE");
        host.put("Memory", 768L << 20);
        binds.forEach(host.putArray("Binds")::add);
        ArrayNode extraHosts = host.putArray("ExtraHosts");
        launch.sidecarHosts().forEach((name, address) -> extraHosts.add(name + ":" + address));
        return create;
    }

    /** A create body: image, host name, user, environment and labels. */
    private static ObjectNode container(String image, String hostName, String user, List<String> env,
                                        Map<String, String> labels) {
        ObjectNode create = EngineApi.object().put("Image", image).put("Hostname", hostName).put("User", user);
        env.forEach(create.putArray("Env")::add);
        putStrings(create.putObject("Labels"), labels);
        return create;
    }

    /**
     * The HostConfig both containers share: on {@code network} only, under {@code runtime}, with an
     * init, no capabilities, no new privileges and a read-only root.
     */
    private static ObjectNode hardened(ObjectNode create, String network, String runtime) {
        ObjectNode host = create.putObject("HostConfig").put("NetworkMode", network).put("Runtime", runtime)
                .put("Init", true).put("ReadonlyRootfs", true);
        host.putArray("CapDrop").add("ALL");
        host.putArray("SecurityOpt").add("no-new-privileges");
        return host;
    }

    private static void putStrings(ObjectNode target, Map<String, String> values) {
        values.forEach(target::put);
    }

    /** The names of the bottle's git-gate mirrors (its manifest's {@code git:} entries). */
    static List<String> gitRepoNames(BottleLaunch launch) {
        List<String> names = new ArrayList<>();
        launch.sidecarConfig().path("gitGate").path("repos").forEach(repo -> names.add(repo.path("name").asString()));
        return names;
    }

    ObjectNode sidecarConfig(BottleLaunch launch, String id) {
        ObjectNode config = launch.sidecarConfig().deepCopy();
        config.put("bottle", id);
        config.put("bind", "0.0.0.0");
        config.put("auditLog", DockerBottle.AUDIT_LOG);
        config.put("caCertFile", "/run/bottle/ca.pem");
        config.putObject("supervise").put("port", SUPERVISE_PORT);
        section(config, "egress").put("port", EGRESS_PORT);
        if (config.has("credProxy")) {
            section(config, "credProxy").put("port", CRED_PROXY_PORT);
        }
        if (config.has("gitGate")) {
            section(config, "gitGate").put("port", GIT_GATE_PORT).put("stateDir", "/var/lib/bottle/git");
        }
        config.putObject("dns").put("port", DNS_PORT);
        return config;
    }

    private static ObjectNode section(ObjectNode config, String name) {
        return config.get(name) instanceof ObjectNode o ? o : config.putObject(name);
    }

    private void createAgent(BottleLaunch launch, String id, String runtime, Names names, String dnsSink) {
        Map<String, String> files = new LinkedHashMap<>(launch.agentFiles());
        Map<String, String> env = AgentEnvironment.base(id);
        env.putAll(launch.agentEnv());
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(k + "=" + v));
        envList.add("BOTTLE_FILES=" + Tarball.base64(files));
        // the agent starts while the sidecar's services may still be coming up: its entrypoint waits until
        // this port, which the sidecar binds after all the others, accepts a connection
        envList.add("BOTTLE_SIDECAR_READY=supervise:" + SUPERVISE_PORT);
        // ...and then takes the bottle CA certificate from it (the sidecar's own, over the internal network)
        envList.add("BOTTLE_CA_URL=http://supervise:" + SUPERVISE_PORT + "/ca.pem");
        ObjectNode create = container(launch.images().agent(), launch.agent(), "1000:1000", envList,
                Labels.of(id, "agent", launch.agent(), launch.bottle(), runtime));
        launch.agentCommand().forEach(create.putArray("Cmd")::add);
        if (launch.interactive()) {
            create.put("Tty", true).put("OpenStdin", true).put("StdinOnce", true)
                    .put("AttachStdin", true).put("AttachStdout", true).put("AttachStderr", true);
        }
        ObjectNode host = hardened(create, names.internal(), runtime);
        // Docker's embedded resolver still answers the sidecar aliases; anything else goes to the
        // sidecar's DNS sink, which refuses it and audits the name (DESIGN §3.2).
        host.putArray("Dns").add(dnsSink);
        host.putObject("Tmpfs")
                .put(AGENT_HOME, "rw,exec,nosuid,nodev,size=2g,uid=1000,gid=1000,mode=0700")
                .put("/workspace", "rw,exec,nosuid,nodev,size=4g,uid=1000,gid=1000,mode=0755")
                .put("/tmp", "rw,exec,nosuid,nodev,size=1g,mode=1777");
        host.put("PidsLimit", 1024L);
        host.put("Memory", 4096L << 20);
        ArrayNode binds = host.putArray("Binds");
        launch.skills().forEach((name, dir) ->
                binds.add(dir.toAbsolutePath() + ":" + AGENT_HOME + "/.claude/skills/" + name + ":ro"));
        createContainer(names.agent(), create);
    }

    /** The sidecar's address on each of the bottle's networks (egress first, then internal), from one inspect. */
    private List<String> sidecarAddresses(String sidecar, Names names) {
        JsonNode networks = api.get("/containers/" + sidecar + "/json").path("NetworkSettings").path("Networks");
        List<String> addresses = new ArrayList<>();
        for (String network : List.of(names.egress(), names.internal())) {
            String address = networks.path(network).path("IPAddress").asString("");
            if (address.isEmpty()) {
                throw new BackendException("the sidecar has no address on " + network);
            }
            addresses.add(address);
        }
        return addresses;
    }

    void waitHealthy(String supervise, String sidecar, String id) {
        waitHealthy(supervise, sidecar, id, HEALTH_TIMEOUT);
    }

    void waitHealthy(String supervise, String sidecar, String id, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String last = "no answer";
        for (int attempt = 0; Instant.now().isBefore(deadline); attempt++) {
            // whether it still runs, every half second: each inspect is dockerd CPU the starting bottle needs
            JsonNode state = attempt % 10 == 0 ? api.get("/containers/" + sidecar + "/json").path("State") : null;
            if (state != null && !state.path("Running").asBoolean(false)) {
                throw new BackendException("the sidecar of " + id + " exited (code " + state.path("ExitCode").asString("?")
                        + ") before it was healthy; its log:\n" + DockerBottle.logs(api, sidecar, 40));
            }
            try {
                SuperviseAnswer r = SuperviseAnswer.get(supervise + "/health", Duration.ofSeconds(2));
                if (r.status() == 200) {
                    return;
                }
                last = "HTTP " + r.status() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            sleep(50);
        }
        throw new BackendException("the sidecar of " + id + " was not healthy within " + timeout.toSeconds()
                + " s (" + last + "); its log:\n" + DockerBottle.logs(api, sidecar, 40));
    }

    String get(String base, String path) {
        try {
            SuperviseAnswer r = SuperviseAnswer.get(base + path, Duration.ofSeconds(5));
            if (r.status() != 200) {
                throw new BackendException("sidecar " + base + path + " answered HTTP " + r.status());
            }
            return r.body();
        } catch (IOException e) {
            throw new BackendException("cannot read " + base + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<BottleInfo> list() {
        Map<String, BottleInfo> bottles = new LinkedHashMap<>();
        for (JsonNode c : api.containers(List.of(Labels.BOTTLE_ID))) {
            Map<String, String> l = labels(c);
            String id = l.get(Labels.BOTTLE_ID);
            BottleInfo existing = bottles.get(id);
            String state = existing == null ? c.path("State").asString("") : existing.state();
            if ("agent".equals(l.get(Labels.ROLE))) {
                state = c.path("State").asString("");
            }
            bottles.put(id, info(id, l, state));
        }
        for (JsonNode n : api.networks(List.of(Labels.BOTTLE_ID))) {
            Map<String, String> l = labels(n);
            bottles.putIfAbsent(l.get(Labels.BOTTLE_ID), info(l.get(Labels.BOTTLE_ID), l, "network only"));
        }
        return List.copyOf(bottles.values());
    }

    private static Map<String, String> labels(JsonNode object) {
        Map<String, String> labels = new LinkedHashMap<>();
        object.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString("")));
        return labels;
    }

    private static BottleInfo info(String id, Map<String, String> l, String state) {
        Instant created = Instant.ofEpochSecond(Long.parseLong(l.getOrDefault(Labels.CREATED, "0")));
        return new BottleInfo(id, l.getOrDefault(Labels.AGENT, "?"), l.getOrDefault(Labels.BOTTLE, "?"), created,
                l.getOrDefault(Labels.RUNTIME, "?"), Labels.Launcher.alive(l.get(Labels.LAUNCHER)), state);
    }

    @Override
    public boolean stop(String bottleId) {
        return DockerBottle.teardown(api, firewall, bottleId);
    }

    @Override
    public List<BottleInfo> leftovers() {
        var rules = CompletableFuture.supplyAsync(firewall::taggedBottles, Thread::startVirtualThread);
        List<BottleInfo> all = list();
        List<BottleInfo> dead = new ArrayList<>(all.stream().filter(b -> !b.launcherAlive()).toList());
        Set<String> known = new LinkedHashSet<>();
        all.forEach(b -> known.add(b.bottleId()));
        for (String id : rules.join()) {
            if (!known.contains(id)) {
                dead.add(new BottleInfo(id, "?", "?", Instant.EPOCH, "?", false, "firewall rule only"));
            }
        }
        return dead;
    }

    @Override
    public List<String> gc() {
        List<String> removed = new ArrayList<>();
        for (BottleInfo b : leftovers()) {
            DockerBottle.teardown(api, firewall, b.bottleId());
            removed.add(b.bottleId());
        }
        return removed;
    }

    /** The sidecar container of a bottle, for {@code bottle audit}. */
    public String sidecarContainer(String bottleId) {
        for (JsonNode c : api.containers(List.of(Labels.BOTTLE_ID + "=" + bottleId, Labels.ROLE + "=sidecar"))) {
            return c.path("Id").asString();
        }
        throw new BackendException("no bottle '" + bottleId + "' is running; `bottle ps` lists the running ones");
    }

    /**
     * Number of denied requests in a running bottle's audit log so far (lines whose decision is a
     * denial), or empty when the bottle's sidecar is not running.
     */
    public Optional<Long> denials(String bottleId) {
        try {
            String count = DockerBottle.exec(api, sidecarContainer(bottleId), List.of("sh", "-c",
                    "grep -c -i -E '\"(decision|verdict|action)\" *: *\"(deny|denied|block|blocked|reject|rejected)\"' "
                            + DockerBottle.AUDIT_LOG + " 2>/dev/null || true"));
            return Optional.of(count.isBlank() ? 0L : Long.parseLong(count.strip()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Streams the bottle's audit log (JSON lines) to {@code sink}; with {@code follow}, until the bottle ends. */
    public void audit(String bottleId, boolean follow, java.util.function.Consumer<String> sink) {
        String sidecar = sidecarContainer(bottleId);
        List<String> command = follow ? List.of("tail", "-n", "+1", "-F", DockerBottle.AUDIT_LOG)
                : List.of("sh", "-c", "cat " + DockerBottle.AUDIT_LOG + " 2>/dev/null || true");
        var lines = new StringBuilder();
        api.exec(sidecar, command, false, frame -> {
            lines.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            for (int nl; (nl = lines.indexOf("\n")) >= 0; ) {
                sink.accept(lines.substring(0, nl));
                lines.delete(0, nl + 1);
            }
        });
        if (!lines.isEmpty()) {
            sink.accept(lines.toString());
        }
    }

    @Override
    public void close() {
        engine.close();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted", e);
        }
    }

    /**
     * A GET of the sidecar's supervise endpoint, straight to its address on the bottle's network
     * (never through a proxy). {@link HttpURLConnection}, not {@code java.net.http.HttpClient}: that
     * one loads the JDK's default TLS context and starts a selector thread, a good part of a start's
     * launcher CPU, to poll a plain-HTTP endpoint.
     */
    record SuperviseAnswer(int status, String body) {
        static SuperviseAnswer get(String url, Duration timeout) throws IOException {
            HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection(Proxy.NO_PROXY);
            connection.setConnectTimeout((int) timeout.toMillis());
            connection.setReadTimeout((int) timeout.toMillis());
            try {
                int status = connection.getResponseCode();
                try (InputStream body = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
                    return new SuperviseAnswer(status, body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8));
                }
            } finally {
                connection.disconnect();
            }
        }
    }

    /** Names of one bottle's objects; bridge names fit the kernel's 15-character limit. */
    record Names(String id, String internalBridge, String egressBridge) {
        String internal() {
            return id + "-internal";
        }

        String egress() {
            return id + "-egress";
        }

        String sidecar() {
            return id + "-sidecar";
        }

        String agent() {
            return id + "-agent";
        }
    }
}
