package io.claudebottle.sidecar;

import io.claudebottle.gitgate.GitGate;
import io.claudebottle.gitgate.GitGateAudit;
import io.claudebottle.gitgate.GitGateEvent;
import io.claudebottle.gitgate.MirrorProgress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The git-gate as a sidecar service. Its SSH traffic to the upstreams goes out directly (the
 * egress proxy speaks HTTP only), pinned by each repo's KnownHostKey; every push is scanned with
 * the sidecar's DLP scanner (including the bottle's own rules) before it is forwarded.
 */
final class GitGateService implements SidecarService {
    private final GitGate gate;

    private GitGateService(GitGate gate) {
        this.gate = gate;
    }

    static GitGateService start(SidecarConfig.GitGate config, SidecarContext ctx) {
        try {
            GitGateAudit audit = new GitGateAudit() {
                @Override
                public void record(GitGateEvent event) {
                    ctx.audit().write("git-gate", fields(event));
                }

                @Override
                public boolean writable() {
                    return ctx.audit().writable();
                }
            };
            return new GitGateService(GitGate.start(config.toSettings(ctx.bind()), ctx.scanner(), audit, progressOnStderr()));
        } catch (IOException e) {
            throw new UncheckedIOException("git-gate: cannot start (stateDir " + config.stateDir() + "): " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> fields(GitGateEvent event) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("repo", event.repo());
        fields.put("action", event.action());
        fields.put("outcome", event.outcome());
        fields.put("detail", event.detail());
        fields.putAll(event.fields());
        return fields;
    }

    /** The first mirror clone of a large upstream can take minutes: the launcher shows these lines. */
    private static MirrorProgress progressOnStderr() {
        Map<String, Integer> lastTenth = new ConcurrentHashMap<>();
        return new MirrorProgress() {
            @Override
            public void update(String repo, String task, int done, int total) {
                if (total <= 0) return;
                int tenth = (int) (10L * done / total);
                String key = repo + "\0" + task;
                if (lastTenth.put(key, tenth) instanceof Integer previous && previous == tenth) return;
                System.err.println(MirrorSyncLines.progress(repo, task, tenth * 10, done, total));
            }

            @Override
            public void finished(String repo, String failure) {
                System.err.println(failure == null ? MirrorSyncLines.ready(repo) : MirrorSyncLines.failed(repo, failure));
            }
        };
    }

    @Override
    public String name() {
        return "git-gate";
    }

    @Override
    public int port() {
        return gate.port();
    }

    @Override
    public void close() {
        gate.close();
    }
}
