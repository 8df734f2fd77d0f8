package io.claudebottle.cli.matrix;

import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import io.claudebottle.cli.demo.DemoGitUpstream;
import io.claudebottle.gitgate.GitGateRepo;
import io.claudebottle.gitgate.InsteadOf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The security matrix (DESIGN §3), the same checks on every backend: a real bottle with the real
 * sidecar ({@code bottle sidecar}) and a scripted agent (bash, curl, git inside the bottle), next to a
 * second bottle started alongside it. One agent run per backend probes every protection; each test
 * below judges one of them from the agent's output and from what the host saw, and each has a control
 * showing that its probe would notice the protection missing.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(MatrixBackend.class)
class SecurityMatrixTest {

    private static final String TOKEN_REF = "MATRIX_TOKEN";
    private static final Duration AGENT_TIMEOUT = Duration.ofSeconds(180);

    @Parameter
    MatrixBackend variant;

    /** What the current backend's run produced; every check reads it. */
    private static Evidence run;

    record Evidence(String token, RunningBottle.AgentResult agent, Map<String, List<String>> probes,
                    RunningBottle.AgentResult neighbour, List<String> received, List<String> hostListenerPeers,
                    Map<String, Boolean> hostControl, Map<String, String> refsBefore, Map<String, String> refsAfter, Map<String, String> agentSideViews,
                    Map<String, String> sidecarSideViews, List<String> dnsForwarders, List<String> hostArgvWithToken,
                    int hostArgvSamples, List<String> audit, Map<String, String> unreachable, List<String> leftovers) {

        String probe(String key) {
            List<String> values = probes.getOrDefault(key, List.of());
            return values.isEmpty() ? "(no @@ " + key + " line)" : values.getFirst();
        }

        /** The same evidence with what only exists once both bottles are gone. */
        Evidence afterTeardown(Map<String, String> upstreamRefs, List<String> left) {
            return new Evidence(token, agent, probes, neighbour, received, hostListenerPeers, hostControl, refsBefore,
                    upstreamRefs, agentSideViews, sidecarSideViews, dnsForwarders, hostArgvWithToken, hostArgvSamples, audit,
                    unreachable, List.copyOf(left));
        }

        String transcript() {
            return "agent exit " + agent.exitCode() + "\n--- stdout\n" + agent.stdout() + "--- stderr\n" + agent.stderr();
        }
    }

    @BeforeParameterizedClassInvocation
    static void runTheMatrix(MatrixBackend variant) throws Exception {
        run = null;
        Optional<String> why = variant.unavailable();
        assumeTrue(why.isEmpty(), variant + ": " + why.orElse(""));
        Instant began = Instant.now();
        Path temp = Matrix.directory(Files.createTempDirectory("bottle-matrix-"));
        String token = "ghp_" + randomAlnum(36);
        try (Bottles bottles = variant.open(temp);
             MatrixServers servers = new MatrixServers(bottles.serverAddress(), temp.resolve("git"), token)) {
            Path identity = bottles instanceof NobodyBottles nobody ? nobody.ownedCopy(servers.git.identityFile())
                    : servers.git.identityFile();
            Map<String, String> refsBefore = servers.git.refs();
            int port = servers.upstreamPort();
            Bottles.Bottle neighbour = bottles.start(launch("neighbour", bottles, servers, AgentScript.neighbour(port),
                    Map.of(), Optional.empty()));
            Bottles.Remains neighbourRemains = neighbour.remains();
            List<String> leftovers = new ArrayList<>();
            try {
                Map<String, String> unreachable = new LinkedHashMap<>(bottles.hostTargets(servers.hostListener.getLocalPort()));
                unreachable.putAll(neighbour.sidecarTargets());
                String gitUrl = "ssh://git@" + AgentScript.GIT_HOST + ":" + servers.git.port() + "/" + DemoGitUpstream.REPO;
                String script = AgentScript.script(new AgentScript.Params(port, gitUrl, token, unreachable));
                GitGateRepo repo = new GitGateRepo("matrix", gitUrl, identity, servers.git.hostKeyLine(), Map.of(), false);
                log(variant, began, "neighbour " + neighbour.id() + " up");
                Bottles.Bottle bottle = bottles.start(launch("matrix", bottles, servers, script, Map.of(TOKEN_REF, token),
                        Optional.of(repo)));
                Bottles.Remains remains = bottle.remains();
                log(variant, began, "bottle " + bottle.id() + " up");
                RunningBottle.AgentResult agent;
                RunningBottle.AgentResult neighbourResult;
                Map<String, String> agentViews = new LinkedHashMap<>();
                Map<String, String> sidecarViews;
                List<String> dns;
                List<String> audit;
                List<String> argvHits = new CopyOnWriteArrayList<>();
                Map<String, Boolean> hostControl;
                AtomicInteger samples = new AtomicInteger();
                try {
                    agentViews.putAll(bottle.agentSideViews());
                    sidecarViews = bottle.sidecarSideViews();
                    dns = bottle.agentDnsForwarders();
                    // A start returns while the sidecar's services are still coming up: the control below
                    // needs the neighbour's sidecar listening (its host-reachable side, not the internal bridge)
                    HostView.awaitConnectable(neighbour.sidecarTargets().entrySet().stream()
                            .filter(e -> !e.getKey().contains("-internal-"))
                            .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)),
                            java.time.Duration.ofSeconds(60));
                    // control: the listener answers on every host address the agent will try (from the host)
                    hostControl = HostView.connectable(unreachable);
                    servers.awaitControlConnections(hostControl.entrySet().stream()
                            .filter(e -> e.getKey().startsWith("host-") && e.getValue()).count());
                    AtomicBoolean running = new AtomicBoolean(true);
                    Thread sampler = Thread.ofVirtual().start(() -> {
                        while (running.get()) { // every host process's argv, again and again while the agent runs
                            HostView.commandLines().stream().filter(l -> l.contains(token)).forEach(argvHits::add);
                            samples.incrementAndGet();
                            sleep(200);
                        }
                    });
                    try {
                        agent = bottle.runAgent(AGENT_TIMEOUT);
                    } finally {
                        running.set(false);
                        sampler.join();
                    }
                    log(variant, began, "agent ran (exit " + agent.exitCode() + ")");
                    neighbourResult = neighbour.runAgent(Duration.ofSeconds(60));
                    bottle.agentSideViews().forEach((k, v) -> agentViews.put(k + " (after the agent ran)", v));
                    audit = bottle.audit();
                } finally {
                    bottle.close();
                }
                log(variant, began, "bottle closed");
                leftovers.addAll(remains.leftovers().stream().map(l -> bottle.id() + ": " + l).toList());
                run = new Evidence(token, agent, AgentScript.parse(agent.stdout()), neighbourResult, List.copyOf(servers.received),
                        List.copyOf(servers.hostListenerPeers), hostControl, refsBefore, Map.of(), agentViews, sidecarViews, dns,
                        List.copyOf(argvHits), samples.get(), audit, unreachable, List.of());
            } finally {
                neighbour.close();
            }
            leftovers.addAll(neighbourRemains.leftovers().stream().map(l -> neighbour.id() + ": " + l).toList());
            run = run.afterTeardown(servers.git.refs(), leftovers);
        } finally {
            Matrix.deleteTree(temp);
            log(variant, began, "done");
        }
    }

    private static BottleLaunch launch(String agent, Bottles bottles, MatrixServers servers, String script,
                                       Map<String, String> secrets, Optional<GitGateRepo> repo) {
        int port = servers.upstreamPort();
        String upstream = AgentScript.UPSTREAM + ":" + port;
        ObjectNode config = LaunchJson.JSON.createObjectNode();
        ObjectNode egress = config.putObject("egress");
        egress.putArray("allowlist").add(upstream);
        egress.putArray("passthrough");
        egress.putArray("allowAddresses").add(bottles.allowAddress());
        egress.putObject("dlpExempt");
        egress.putArray("dlpRules");
        egress.putArray("dlpAllow");
        egress.putArray("extraTrustedCaFiles").add("/run/bottle/upstream-ca.pem");
        var routes = config.putObject("credProxy").putArray("routes");
        Map<String, String> env = new LinkedHashMap<>();
        if (!secrets.isEmpty()) {
            routes.addObject().put("path", "/api/").put("upstream", "https://" + upstream).put("authScheme", "Bearer")
                    .put("tokenRef", TOKEN_REF);
            env.put("API_BASE", "http://cred-proxy:9099/api");
        }
        var repos = config.putObject("gitGate").putArray("repos");
        Map<String, String> files = new LinkedHashMap<>();
        repo.ifPresent(r -> {
            repos.addObject().put("name", r.name()).put("upstream", r.upstream()).put("identityFile", r.identityFile().toString())
                    .put("knownHostKey", r.knownHostKey()).put("forbidForcePush", false).putObject("extraHosts");
            files.put(".gitconfig", InsteadOf.gitconfig("git://git-gate:9418", List.of(r)));
        });
        Map<String, String> hosts = new LinkedHashMap<>();
        for (String name : List.of(AgentScript.UPSTREAM, AgentScript.OFF_LIST, AgentScript.GIT_HOST)) {
            hosts.put(name, bottles.serverAddress());
        }
        return new BottleLaunch(agent, "matrix", config, secrets, env, files, Map.of("upstream-ca.pem", servers.ca.pem()),
                Map.of(), List.of("bash", "-c", script), false, Optional.empty(), new BottleLaunch.Images("none", "none"), hosts);
    }

    @Test
    void allowlistedHttpsGoesThroughInterceptionTrustingOnlyTheBottleCa() {
        assertThat(run.probe("https-ca-only")).as(run.transcript()).isEqualTo("upstream-hello");
        assertThat(run.probe("https-issuer")).as(run.transcript()).contains("claude-bottle CA");
        assertThat(run.received()).contains("GET /hello auth=none", "GET /issuer auth=none");
        // control: without the proxy the same URL goes nowhere, so the 200 above came through it
        assertThat(run.probe("https-direct")).as(run.transcript()).isEqualTo("000");
        assertThat(run.received()).noneMatch(r -> r.contains("/direct"));
    }

    @Test
    void aHostOffTheAllowlistGets403ForPlainHttpAndForConnect() {
        assertThat(run.probe("offlist-http")).as(run.transcript()).startsWith("403").containsIgnoringCase("host-not-allowed");
        assertThat(run.probe("offlist-connect")).as(run.transcript()).isEqualTo("403");
        // the off-list name leads to the same upstream: only the allowlist stood between them
        assertThat(run.received()).noneMatch(r -> r.contains("/offlist"));
        assertThat(run.audit()).anyMatch(l -> l.contains("host-not-allowed"));
    }

    @Test
    void aSecretInABodyGets403FromDlpAndNeverReachesTheUpstream() {
        assertThat(run.probe("dlp")).as(run.transcript()).startsWith("403").containsIgnoringCase("dlp");
        assertThat(run.received()).noneMatch(r -> r.contains("/upload"));
        assertThat(run.audit()).anyMatch(l -> l.contains("\"dlp\"") || l.contains("\"reason\":\"dlp"));
        assertThat(String.join("\n", run.audit())).doesNotContain(AgentScript.LEAK);
    }

    @Test
    void aPushCarryingAnAwsKeyIsRejectedByTheGitGateAndTheUpstreamIsUnchanged() {
        assertThat(run.probe("git-clone")).as(run.transcript()).isEqualTo("ok");
        assertThat(run.probe("git-secret-push")).as(run.transcript()).isEqualTo("rejected");
        assertThat(String.join("\n", run.probes().getOrDefault("git-secret-remote", List.of())))
                .as(run.transcript()).contains("creds.txt").containsIgnoringCase("aws");
        String secretCommit = run.probe("git-secret-commit");
        assertThat(run.refsAfter()).doesNotContainValue(secretCommit);
        assertThat(run.refsAfter()).doesNotContainKey("refs/heads/creds");
    }

    @Test
    void aCleanPushLandsUpstream() {
        assertThat(run.probe("git-clean-push")).as(run.transcript()).isEqualTo("accepted");
        assertThat(run.refsAfter()).containsEntry("refs/heads/main", run.probe("git-clean-commit"));
        assertThat(run.refsBefore().get("refs/heads/main")).isNotEqualTo(run.probe("git-clean-commit"));
    }

    @Test
    void theAgentReachesNoListenerOnTheHost() {
        // control: the same probe reaches the agent's own sidecar
        assertThat(run.probes().get("reach")).as(run.transcript()).contains("own-sidecar REACHED");
        run.unreachable().keySet().stream().filter(label -> label.startsWith("host-")).forEach(label ->
                assertThat(run.probes().get("reach")).as(label + " " + run.unreachable().get(label) + "\n" + run.transcript())
                        .contains(label + " blocked"));
        assertThat(run.unreachable().keySet().stream().filter(l -> l.startsWith("host-"))).hasSizeGreaterThanOrEqualTo(2);
        assertThat(run.hostListenerPeers()).as("connections the host listener accepted while the agent ran").isEmpty();
        // control: from the host, the listener answers on each of those addresses
        run.hostControl().forEach((label, answered) -> {
            if (label.startsWith("host-")) {
                assertThat(answered).as("host listener answers the host on " + label).isTrue();
            }
        });
    }

    @Test
    void theAgentReachesNoSidecarOfAnotherBottle() {
        // control: the other bottle's sidecar was up and served its own agent
        assertThat(run.neighbour().stdout()).as(run.neighbour().stderr()).contains("@@ neighbour 200");
        assertThat(run.received()).contains("GET /from-neighbour auth=none");
        List<String> others = run.unreachable().keySet().stream().filter(l -> l.startsWith("other-sidecar")).toList();
        assertThat(others).isNotEmpty();
        others.forEach(label -> assertThat(run.probes().get("reach"))
                .as(label + " " + run.unreachable().get(label) + "\n" + run.transcript()).contains(label + " blocked"));
        // control: from the host, the other sidecar's listeners answer (not on a Docker internal bridge: the
        // bottle's firewall rule cuts the host off there too; its own agent reaching it above is the control)
        others.stream().filter(label -> !label.contains("-internal-"))
                .forEach(label -> assertThat(run.hostControl().get(label)).as("answers the host: " + label).isTrue());
    }

    @Test
    void noExternalNameResolvesInsideTheBottle() {
        assertThat(run.probe("dns-alias")).as(run.transcript()).isEqualTo("resolves");
        assertThat(run.probe("dns-external")).as(run.transcript()).isEqualTo("none");
        if (variant.docker()) {
            // Docker's embedded resolver forwards unknown names to these: the agent's own loopback or its sidecar
            assertThat(run.dnsForwarders()).isNotEmpty().allMatch(f -> f.equals("loopback") || f.equals("own-sidecar"));
        } else {
            // no route at all: nothing outside the namespace can be asked
            assertThat(run.probe("ifaces")).as(run.transcript()).isEqualTo("lo");
            assertThat(run.probe("routes")).as(run.transcript()).isEqualTo("0");
        }
    }

    @Test
    void theTokenIsNowhereInTheAgentsViewYetTheUpstreamGetsIt() {
        String token = run.token();
        assertThat(run.probe("token-env")).as(run.transcript()).isEqualTo("0");
        assertThat(run.probe("token-proc")).as(run.transcript()).isEqualTo("0");
        assertThat(run.probe("token-files")).as(run.transcript()).isEqualTo("0");
        assertThat(run.probe("token-searched")).as(run.transcript()).contains("/tmp");
        assertThat(run.agent().stdout() + run.agent().stderr()).doesNotContain(token);
        run.agentSideViews().forEach((where, text) -> assertThat(text).as(where).doesNotContain(token));
        assertThat(run.hostArgvSamples()).isPositive();
        assertThat(run.hostArgvWithToken()).as("host processes whose argv held the token").isEmpty();
        assertThat(String.join("\n", run.audit())).doesNotContain(token);
        // controls: the agent's search finds the token in a file, the sidecar holds it, the upstream got it
        assertThat(run.probe("token-control")).as(run.transcript()).isEqualTo("1");
        if (variant.docker()) { // the native sidecar runs inside its launcher and holds the token in memory only
            assertThat(run.sidecarSideViews().values()).anyMatch(text -> text.contains(token));
        }
        assertThat(run.probe("cred")).as(run.transcript()).isEqualTo("upstream-hello");
        assertThat(run.received()).contains("GET /viaproxy auth=token");
    }

    @Test
    void afterCloseNothingOfEitherBottleRemains() {
        assertThat(run.leftovers()).isEmpty();
    }

    private static void log(MatrixBackend variant, Instant began, String what) {
        System.err.println("[matrix] " + variant + " +" + Duration.between(began, Instant.now()).toMillis() + " ms: " + what);
    }

    private static String randomAlnum(int n) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom random = new SecureRandom();
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
