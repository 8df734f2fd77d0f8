package io.claudebottle.backend.docker;

import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.command.FrameReader;
import com.github.dockerjava.transport.DockerHttpClient;
import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.RunningBottle;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One started bottle. Closing it — or the JVM shutting down on Ctrl-C / SIGTERM — removes both
 * containers, both networks and the firewall rule.
 */
final class DockerBottle implements RunningBottle {

    static final String AUDIT_LOG = "/run/bottle/audit.jsonl";

    private final DockerConnection.Engine engine;
    private final HostFirewall firewall;
    private final String id;
    private final String runtime;
    private final DockerBackend.Names names;
    private final boolean interactive;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile MirrorSyncRelay mirrorSync = MirrorSyncRelay.NONE;
    private final Thread shutdownHook;
    /** Guards starting the agent against the sidecar failing meanwhile: one or the other comes first. */
    private final Object agentStart = new Object();
    private volatile CompletableFuture<Void> sidecarHealthy = CompletableFuture.completedFuture(null);
    /** Why the sidecar is gone, when it exited while the agent ran. */
    private volatile BackendException sidecarLost;
    /** Guarded by {@link #agentStart}. */
    private boolean agentStarted;

    DockerBottle(DockerConnection.Engine engine, HostFirewall firewall, String id, String runtime,
                 DockerBackend.Names names, boolean interactive) {
        this.engine = engine;
        this.firewall = firewall;
        this.id = id;
        this.runtime = runtime;
        this.names = names;
        this.interactive = interactive;
        this.shutdownHook = new Thread(this::teardownOnce, "bottle-teardown-" + id);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    @Override
    public String bottleId() {
        return id;
    }

    @Override
    public String runtime() {
        return runtime;
    }

    String agentContainer() {
        return names.agent();
    }

    String sidecarContainer() {
        return names.sidecar();
    }

    /** The relay of the mirrors' first sync to the launcher, stopped when the agent takes the terminal. */
    void followMirrorSync(MirrorSyncRelay relay) {
        this.mirrorSync = relay;
    }

    /**
     * The sidecar's health, still being checked while the agent starts. If the sidecar fails, the
     * agent is stopped (or never started) and {@link #runAgent} throws why. Once healthy, the
     * sidecar is watched: if it exits while the agent runs, the agent has lost its only way out
     * (egress, cred-proxy, git-gate), so it is stopped too and {@link #runAgent} says so.
     */
    void sidecarStarting(CompletableFuture<Void> healthy) {
        this.sidecarHealthy = healthy;
        healthy.whenComplete((ok, failure) -> {
            if (failure != null) {
                synchronized (agentStart) {
                    if (agentStarted) { // the agent's entrypoint saw supervise listen before the launcher saw health
                        Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
                        sidecarLost = new BackendException("the sidecar of " + id + " failed while the agent ran;"
                                + " the agent was stopped, as it had no egress, cred-proxy or git-gate left: "
                                + cause.getMessage(), cause);
                    }
                    killAgent();
                }
            } else {
                Thread.ofVirtual().name("bottle-sidecar-watch-" + id).start(this::watchSidecar);
            }
        });
    }

    private void watchSidecar() {
        long code;
        try {
            code = engine.api().awaitExit(names.sidecar());
        } catch (RuntimeException e) {
            return; // the connection to the engine broke, or the bottle is being removed: no verdict
        }
        if (closed.get()) {
            return;
        }
        sidecarLost = new BackendException("the sidecar of " + id + " exited (code " + code + ") while the agent ran;"
                + " the agent was stopped, as it had no egress, cred-proxy or git-gate left; the sidecar's log:\n"
                + logs(engine.api(), names.sidecar(), 40));
        killAgent();
    }

    private void killAgent() {
        synchronized (agentStart) {
            try {
                engine.api().post("/containers/" + names.agent() + "/kill", null);
            } catch (RuntimeException e) {
                // not created or not running (404, 409): startAgent() sees the failure first; else teardown removes it
            }
        }
    }

    /** Starts the agent container unless the sidecar has failed. */
    private void startAgent() {
        synchronized (agentStart) {
            failIfSidecarFailed();
            engine.api().post("/containers/" + names.agent() + "/start", null);
            agentStarted = true;
        }
    }

    private void failIfSidecarFailed() {
        CompletableFuture<Void> healthy = sidecarHealthy;
        if (healthy.state() == Future.State.FAILED) {
            Throwable cause = healthy.exceptionNow();
            throw cause instanceof BackendException b ? new BackendException(b.getMessage(), b)
                    : new BackendException("the sidecar of " + id + " did not start: " + cause.getMessage(), cause);
        }
    }

    /**
     * After the agent ended: waits for the sidecar's health (an agent can end before it is seen)
     * and throws if the sidecar failed to start or exited while the agent ran.
     */
    private void requireSidecarServed() {
        boolean failed = false;
        try {
            sidecarHealthy.get();
        } catch (ExecutionException | CancellationException e) {
            failed = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while waiting for the sidecar of " + id, e);
        }
        BackendException lost = sidecarLost;
        if (lost != null) {
            throw new BackendException(lost.getMessage(), lost);
        }
        if (failed) {
            failIfSidecarFailed();
        }
    }

    @Override
    public AgentResult runAgent(Duration timeout) {
        if (interactive) {
            mirrorSync.handOver(); // the terminal is the agent's from now on
            int code = new TerminalAttach(engine.api(), names.agent(), this::startAgent).run();
            requireSidecarServed();
            return new AgentResult(code, "", "");
        }
        startAgent();
        CompletableFuture<Long> exited = CompletableFuture.supplyAsync(() -> engine.api().awaitExit(names.agent()),
                Thread::startVirtualThread);
        long code;
        try {
            code = exited.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            killAgent();
            code = 137;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killAgent();
            throw new BackendException("interrupted while the agent of " + id + " ran", e);
        }
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        collect(engine.api(), names.agent(), out, err, null);
        requireSidecarServed();
        return new AgentResult((int) code, out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    @Override
    public String sidecarExec(List<String> command) {
        return exec(engine.api(), names.sidecar(), command);
    }

    /** Runs {@code command} in {@code container}: its stdout (within a minute; stderr is dropped). */
    static String exec(EngineApi api, String container, List<String> command) {
        var out = new ByteArrayOutputStream();
        var ran = CompletableFuture.runAsync(() -> api.exec(container, command, true, frame -> {
            if (frame.getStreamType() != StreamType.STDERR) {
                synchronized (out) {
                    out.writeBytes(frame.getPayload());
                }
            }
        }), Thread::startVirtualThread);
        try {
            ran.get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            // what it printed so far
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new BackendException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while running " + command + " in " + container, e);
        }
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        teardownOnce();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running or ran
        }
    }

    private void teardownOnce() {
        if (closed.compareAndSet(false, true)) {
            mirrorSync.close();
            teardown(engine.api(), firewall, id);
        }
    }

    /** Removes every container and network labelled with the bottle id, and its firewall rule. */
    static boolean teardown(EngineApi api, HostFirewall firewall, String bottleId) {
        boolean found = false;
        List<String> label = List.of(Labels.BOTTLE_ID + "=" + bottleId);
        for (JsonNode c : api.containers(label)) {
            found = true;
            try {
                api.delete("/containers/" + c.path("Id").asString() + "?force=1&v=1");
            } catch (EngineApi.EngineException e) {
                if (e.status() != 404 && e.status() != 409) {
                    throw e;
                }
                // already gone, or removal in progress (a concurrent teardown)
            }
        }
        for (JsonNode n : api.networks(label)) {
            found = true;
            removeNetwork(api, n.path("Id").asString());
        }
        firewall.release(bottleId);
        return found;
    }

    private static void removeNetwork(EngineApi api, String networkId) {
        for (int attempt = 0; ; attempt++) {
            try {
                api.delete("/networks/" + networkId);
                return;
            } catch (RuntimeException e) {
                if (e instanceof EngineApi.EngineException engine && engine.status() == 404) {
                    return;
                }
                // endpoints of just-removed containers can linger for a moment
                if (attempt >= 20) {
                    throw new BackendException("cannot remove network " + networkId + ": " + e.getMessage(), e);
                }
                DockerBackend.sleep(100);
            }
        }
    }

    static String logs(EngineApi api, String container, int tail) {
        var out = new ByteArrayOutputStream();
        collect(api, container, out, out, tail);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A container's log so far (stdout and stderr apart), the last {@code tail} lines or all. */
    private static void collect(EngineApi api, String container, ByteArrayOutputStream out,
                                ByteArrayOutputStream err, Integer tail) {
        String path = "/containers/" + container + "/logs?stdout=1&stderr=1" + (tail == null ? "" : "&tail=" + tail);
        try (DockerHttpClient.Response response = api.stream(DockerHttpClient.Request.Method.GET, path);
             FrameReader frames = new FrameReader(response.getBody())) {
            for (Frame frame; (frame = frames.readFrame()) != null; ) {
                (frame.getStreamType() == StreamType.STDERR ? err : out).writeBytes(frame.getPayload());
            }
        } catch (IOException | RuntimeException e) {
            err.writeBytes(("(no logs: " + e.getMessage() + ")\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
