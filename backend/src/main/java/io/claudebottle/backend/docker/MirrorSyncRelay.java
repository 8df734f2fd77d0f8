package io.claudebottle.backend.docker;

import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.core.command.FrameReader;
import com.github.dockerjava.transport.DockerHttpClient;
import io.claudebottle.sidecar.MirrorSyncLines;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Shows the first sync of the bottle's git mirrors in the launcher, as the native backend does: the
 * sidecar prints its progress (the first clone of a large upstream can take minutes), and this
 * follows the sidecar container's log until every mirror's sync has ended, or until it is stopped
 * (the agent takes the terminal, or the bottle ends).
 */
final class MirrorSyncRelay implements AutoCloseable {
    /** A relay for a bottle without git mirrors. */
    static final MirrorSyncRelay NONE = new MirrorSyncRelay("", List.of(), line -> { });
    private static final int MAX_LINE = 4096;

    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final String sidecar;
    private final Consumer<String> out;
    private volatile boolean stopped;
    private volatile DockerHttpClient.Response log;

    private MirrorSyncRelay(String sidecar, Collection<String> repos, Consumer<String> out) {
        this.sidecar = sidecar;
        this.pending.addAll(repos);
        this.out = out;
    }

    /**
     * Follows {@code sidecar}'s log for the first sync of {@code repos}, each of its lines to
     * {@code out}; with no repos, does nothing.
     */
    static MirrorSyncRelay start(EngineApi api, String sidecar, Collection<String> repos, Consumer<String> out) {
        MirrorSyncRelay relay = new MirrorSyncRelay(sidecar, repos, out);
        if (!repos.isEmpty()) {
            Thread.ofVirtual().name("bottle-mirror-sync-" + sidecar).start(() -> relay.follow(api));
        }
        return relay;
    }

    /** The mirrors whose first sync has not ended yet (as far as the log told so far). */
    private List<String> pending() {
        return pending.stream().sorted().toList();
    }

    private void follow(EngineApi api) {
        try (DockerHttpClient.Response response = api.stream(DockerHttpClient.Request.Method.GET,
                "/containers/" + sidecar + "/logs?follow=1&stdout=0&stderr=1");
             FrameReader frames = new FrameReader(response.getBody())) {
            log = response;
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (Frame frame; !stopped && !pending.isEmpty() && (frame = frames.readFrame()) != null; ) {
                for (byte b : frame.getPayload()) {
                    if (b != '\n') {
                        if (line.size() < MAX_LINE) line.write(b); // a sync line is short; the rest of a long one is dropped
                        continue;
                    }
                    show(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                }
            }
        } catch (IOException | RuntimeException ended) {
            // the sidecar is gone (the bottle ended) or the relay was stopped: nothing left to show
        }
    }

    private void show(String line) {
        if (stopped || !MirrorSyncLines.isSyncLine(line)) return;
        out.accept(line);
        MirrorSyncLines.endedRepo(line, pending).ifPresent(pending::remove);
    }

    /**
     * The agent takes the terminal: stops showing lines, and says which mirrors are still syncing
     * (the agent's git commands for them wait until they are ready) and where to follow them.
     */
    void handOver() {
        close();
        List<String> syncing = pending();
        if (!syncing.isEmpty()) {
            out.accept("git-gate: the first sync of " + String.join(", ", syncing) + " is still running; the agent's git"
                    + " commands for " + (syncing.size() == 1 ? "it" : "them") + " wait until it ends (follow it with: docker logs -f "
                    + sidecar + ")");
        }
    }

    /** Stops showing lines. */
    @Override
    public void close() {
        stopped = true;
        DockerHttpClient.Response following = log;
        if (following != null) {
            // closing the connection ends the blocked read; never hold up the caller for it
            Thread.ofVirtual().start(() -> {
                try {
                    following.close();
                } catch (RuntimeException ignored) {
                    // already closed
                }
            });
        }
    }
}
