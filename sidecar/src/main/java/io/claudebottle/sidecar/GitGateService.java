package io.claudebottle.sidecar;

import io.claudebottle.gitgate.GitGate;
import io.claudebottle.gitgate.GitGateAudit;
import io.claudebottle.gitgate.GitGateEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

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
            return new GitGateService(GitGate.start(config.toSettings(ctx.bind()), ctx.scanner(), audit,
                    new MirrorSyncPrinter(System.err::println, System::nanoTime)));
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
