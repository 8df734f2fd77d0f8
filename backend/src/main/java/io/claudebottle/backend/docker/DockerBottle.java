package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.StreamType;
import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.RunningBottle;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One started bottle. Closing it — or the JVM shutting down on Ctrl-C / SIGTERM — removes both
 * containers, both networks and the firewall rule.
 */
final class DockerBottle implements RunningBottle {

    static final String AUDIT_LOG = "/run/bottle/audit.jsonl";

    private final DockerClient docker;
    private final HostFirewall firewall;
    private final String id;
    private final String runtime;
    private final DockerBackend.Names names;
    private final boolean interactive;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    /** Guards starting the agent against the sidecar failing meanwhile: one or the other comes first. */
    private final Object agentStart = new Object();
    private volatile CompletableFuture<Void> sidecarHealthy = CompletableFuture.completedFuture(null);
    /** Why the sidecar is gone, when it exited while the agent ran. */
    private volatile BackendException sidecarLost;
    /** Guarded by {@link #agentStart}. */
    private boolean agentStarted;

    DockerBottle(DockerClient docker, HostFirewall firewall, String id, String runtime, DockerBackend.Names names,
                 boolean interactive) {
        this.docker = docker;
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
        Integer code;
        try {
            code = docker.waitContainerCmd(names.sidecar()).start().awaitStatusCode();
        } catch (RuntimeException e) {
            return; // the connection to the engine broke, or the bottle is being removed: no verdict
        }
        if (closed.get()) {
            return;
        }
        sidecarLost = new BackendException("the sidecar of " + id + " exited (code " + code + ") while the agent ran;"
                + " the agent was stopped, as it had no egress, cred-proxy or git-gate left; the sidecar's log:\n"
                + logs(docker, names.sidecar(), 40));
        killAgent();
    }

    private void killAgent() {
        synchronized (agentStart) {
            try {
                docker.killContainerCmd(names.agent()).exec();
            } catch (NotFoundException | ConflictException e) {
                // not created or not running: startAgent() sees the failure first
            } catch (RuntimeException e) {
                // teardown removes it
            }
        }
    }

    /** Starts the agent container unless the sidecar has failed. */
    private void startAgent() {
        synchronized (agentStart) {
            failIfSidecarFailed();
            docker.startContainerCmd(names.agent()).exec();
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
            int code = new TerminalAttach(docker, names.agent(), this::startAgent).run();
            requireSidecarServed();
            return new AgentResult(code, "", "");
        }
        startAgent();
        Integer code;
        try {
            code = docker.waitContainerCmd(names.agent()).start()
                    .awaitStatusCode(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            docker.killContainerCmd(names.agent()).exec();
            code = 137;
        }
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        collect(docker, names.agent(), out, err, null);
        requireSidecarServed();
        return new AgentResult(code == null ? -1 : code, out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    @Override
    public String sidecarExec(List<String> command) {
        return exec(docker, names.sidecar(), command);
    }

    static String exec(DockerClient docker, String container, List<String> command) {
        String execId = docker.execCreateCmd(container).withCmd(command.toArray(String[]::new))
                .withAttachStdout(true).withAttachStderr(true).exec().getId();
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try {
            docker.execStartCmd(execId).exec(new FrameCollector(out, err)).awaitCompletion(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while running " + command + " in " + container, e);
        }
        return out.toString(StandardCharsets.UTF_8);
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
            teardown(docker, firewall, id);
        }
    }

    /** Removes every container and network labelled with the bottle id, and its firewall rule. */
    static boolean teardown(DockerClient docker, HostFirewall firewall, String bottleId) {
        boolean found = false;
        Map<String, String> label = Map.of(Labels.BOTTLE_ID, bottleId);
        for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(label).exec()) {
            found = true;
            try {
                docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
            } catch (NotFoundException | ConflictException e) {
                // already gone, or removal in progress (a concurrent teardown)
            }
        }
        for (Network n : docker.listNetworksCmd().withFilter("label", List.of(Labels.BOTTLE_ID + "=" + bottleId)).exec()) {
            found = true;
            removeNetwork(docker, n.getId());
        }
        firewall.release(bottleId);
        return found;
    }

    private static void removeNetwork(DockerClient docker, String networkId) {
        for (int attempt = 0; ; attempt++) {
            try {
                docker.removeNetworkCmd(networkId).exec();
                return;
            } catch (NotFoundException e) {
                return;
            } catch (RuntimeException e) {
                // endpoints of just-removed containers can linger for a moment
                if (attempt >= 20) {
                    throw new BackendException("cannot remove network " + networkId + ": " + e.getMessage(), e);
                }
                DockerBackend.sleep(100);
            }
        }
    }

    static String logs(DockerClient docker, String container, int tail) {
        var out = new ByteArrayOutputStream();
        collect(docker, container, out, out, tail);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void collect(DockerClient docker, String container, ByteArrayOutputStream out,
                                ByteArrayOutputStream err, Integer tail) {
        try {
            var cmd = docker.logContainerCmd(container).withStdOut(true).withStdErr(true).withFollowStream(false);
            if (tail != null) {
                cmd.withTail(tail);
            }
            cmd.exec(new FrameCollector(out, err)).awaitCompletion(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            err.writeBytes(("(no logs: " + e.getMessage() + ")\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Splits Docker's multiplexed stream into stdout and stderr. */
    static final class FrameCollector extends ResultCallback.Adapter<Frame> {
        private final ByteArrayOutputStream out;
        private final ByteArrayOutputStream err;

        FrameCollector(ByteArrayOutputStream out, ByteArrayOutputStream err) {
            this.out = out;
            this.err = err;
        }

        @Override
        public void onNext(Frame frame) {
            (frame.getStreamType() == StreamType.STDERR ? err : out).writeBytes(frame.getPayload());
        }
    }
}
