package io.claudebottle.cli;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import io.claudebottle.cli.demo.DemoCa;
import io.claudebottle.cli.demo.DemoCanary;
import io.claudebottle.cli.demo.DemoFacts;
import io.claudebottle.cli.demo.DemoGitUpstream;
import io.claudebottle.cli.demo.DemoOutcome;
import io.claudebottle.cli.demo.DemoScenario;
import io.claudebottle.cli.demo.FakeMessagesApi;
import io.claudebottle.manifest.BottlePolicy;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One demo bottle from start to judgement: its own fake Messages API, upload host, git upstream and
 * canary on this machine, its manifests in {@code home}, the bottle, and the outcomes. Several can
 * run at once on one backend (the end-to-end suite's two-bottle check), each with its own token.
 */
final class DemoRun implements AutoCloseable {
    private final Path home;
    private final String hostAddress;
    private final String token;
    private final boolean live;
    private final List<DemoScenario> scenarios;
    private final DemoCa ca = DemoCa.mint();
    private final FakeMessagesApi api;
    private final DemoGitUpstream git;
    private final DemoCanary canary;
    private volatile int peerPort;

    /** What one run produced. */
    record Result(String bottleId, List<DemoOutcome> outcomes, RunningBottle.AgentResult agent, List<String> audit) {
        boolean allHeld() {
            return outcomes.stream().allMatch(DemoOutcome::held);
        }
    }

    private DemoRun(Path home, String hostAddress, String token, boolean live, List<DemoScenario> scenarios) throws Exception {
        this.home = home;
        this.hostAddress = hostAddress;
        this.token = token;
        this.live = live;
        this.scenarios = List.copyOf(scenarios);
        FakeMessagesApi startedApi = FakeMessagesApi.start(ca, hostAddress, token);
        DemoGitUpstream startedGit = null;
        try {
            startedGit = DemoGitUpstream.start(Files.createDirectories(home.resolve("upstream")), hostAddress);
            this.canary = DemoCanary.start();
        } catch (Exception e) {
            startedApi.close();
            if (startedGit != null) startedGit.close();
            throw e;
        }
        this.api = startedApi;
        this.git = startedGit;
        api.onAdvance(git::advance);
        api.facts(() -> facts(hostAddresses()));
    }

    /** Starts the fake upstreams on {@code hostAddress} (this machine as the sidecar reaches it). */
    static DemoRun prepare(Path home, String hostAddress, String token, boolean live, List<DemoScenario> scenarios)
            throws Exception {
        return new DemoRun(home, hostAddress, token, live, scenarios);
    }

    /** Another bottle's fake API port: this bottle's agent must not reach it (not on its allowlist). */
    void peer(DemoRun other) {
        this.peerPort = other.api.port();
    }

    String upstreamsLine() {
        return (live ? "fake upload host" : "fake Messages API and upload host") + " on https://" + hostAddress + ":"
                + api.port() + ", git upstream on ssh://" + hostAddress + ":" + git.port() + " (this machine only)";
    }

    FakeMessagesApi api() {
        return api;
    }

    private DemoFacts facts(List<String> addresses) {
        return new DemoFacts(api.port(), canary.port(), peerPort, addresses);
    }

    /** Brings the bottle up on {@code backend}, runs the prompts, reads the audit log, removes the bottle, judges. */
    Result run(Backend backend, BottleLaunch.Images images, Duration timeout, Backend.Progress progress)
            throws IOException {
        BottlePolicy policy = DemoCommand.writeManifests(home, live, api.port(), git, hostAddress);
        BottleLaunch launch = DemoCommand.launch(policy, token, live, ca, hostAddress, images,
                DemoCommand.agentCommand(scenarios, live, facts(List.of())));
        Map<String, String> refsBefore = git.refs();
        Instant started = Instant.now();
        RunningBottle.AgentResult result;
        List<String> audit;
        String id;
        try (RunningBottle bottle = backend.start(launch, progress)) {
            id = bottle.bottleId();
            progress.step(id + " is up (runtime " + bottle.runtime() + "); running Claude Code, " + scenarios.size() + " prompts");
            result = bottle.runAgent(timeout);
            progress.step(id + ": agent finished (exit " + result.exitCode() + ") in "
                    + Duration.between(started, Instant.now()).toSeconds() + " s; removing the bottle");
            boolean nativeBottle = bottle.runtime().startsWith("native");
            audit = bottle.sidecarExec(List.of("cat", nativeBottle ? "audit.jsonl" : "/run/bottle/audit.jsonl")).lines().toList();
        }
        boolean dnsSink = audit.stream().anyMatch(l -> l.contains("\"service\":\"sidecar\"") && l.contains("\"dns\":"));
        List<DemoOutcome> outcomes = DemoOutcome.judge(new DemoOutcome.Evidence(scenarios, live, api, token,
                result.stdout() + result.stderr(), refsBefore, git.refs(), git, audit, canary.hits(), dnsSink));
        return new Result(id, outcomes, result, audit);
    }

    /** The agent's output, the model's requests and the audit log, token redacted: for a run that did not hold. */
    List<String> diagnosis(Result r) {
        List<String> lines = new ArrayList<>();
        lines.add("the agent's output:");
        (r.agent().stdout() + "\n" + r.agent().stderr()).lines().forEach(l -> lines.add("  " + redact(l)));
        if (!live) {
            lines.add("what the fake Messages API was asked:");
            api.requestLog().forEach(l -> lines.add("  " + redact(l)));
        }
        lines.add("the audit log:");
        r.audit().forEach(l -> lines.add("  " + redact(l)));
        return lines;
    }

    private String redact(String text) {
        return text.replace(token, "<the token>");
    }

    /** This machine's IPv4 addresses: what an agent would dial to reach the host directly. */
    private static List<String> hostAddresses() {
        List<String> addresses = new ArrayList<>();
        try {
            for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
                nic.inetAddresses().filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                        .forEach(a -> addresses.add(a.getHostAddress()));
            }
        } catch (SocketException e) {
            // then only loopback is probed
        }
        return addresses;
    }

    @Override
    public void close() throws IOException {
        try (canary; git; api) {
            // closed in reverse order by try-with-resources
        }
    }
}
