package io.claudebottle.gitgate;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.PreReceiveHook;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.RemoteRefUpdate;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The pre-receive step: policy, then the DLP scan of everything new, then the forward to the
 * upstream. Every command leaves with a final result, so JGit never updates a ref of the scratch
 * repository; the agent's push succeeds exactly for the refs the upstream accepted.
 */
final class PushGate implements PreReceiveHook, AutoCloseable {
    static final int MAX_FINDINGS_SHOWN = 20;
    /**
     * A connection opened when the push began is used only if the pack arrived within this time;
     * otherwise a fresh one is opened, so no SSH session sits idle long enough to be dropped.
     */
    static final long EARLY_CONNECTION_MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(20);

    private final Mirror mirror;
    private final PushScanner scanner;
    private final ReceivedBlobScan receivedBlobs;
    private final GitGateAudit audit;
    private long receiveStart = System.nanoTime();
    private long receiveMillis = -1;
    private long scanMillis = -1;
    private long forwardMillis = -1;
    private Map<String, Object> scanDetail = Map.of();
    private CompletableFuture<UpstreamPush> early;

    PushGate(Mirror mirror, PushScanner scanner, ReceivedBlobScan receivedBlobs, GitGateAudit audit) {
        this.mirror = mirror;
        this.scanner = scanner;
        this.receivedBlobs = receivedBlobs;
        this.audit = audit;
    }

    /**
     * The agent's pack starts arriving now (after the gate waited for its mirror, if it had to): the
     * SSH handshake with the upstream starts too. Nothing of the push goes out before a clean scan.
     */
    void receiving(Repository pushed) {
        receiveStart = System.nanoTime();
        early = UpstreamPush.connect(mirror.upstream(), pushed);
    }

    /** Ends an upstream connection the push did not use (nothing to forward, or a failed receive). */
    @Override
    public void close() {
        if (early != null) closeWhenConnected(early);
        early = null;
    }

    @Override
    public void onPreReceive(ReceivePack rp, Collection<ReceiveCommand> commands) {
        receiveMillis = (System.nanoTime() - receiveStart) / 1_000_000;
        List<ReceiveCommand> todo = pending(commands);
        for (ReceiveCommand command : todo) {
            String name = command.getRefName();
            if (!name.startsWith(Constants.R_HEADS) && !name.startsWith(Constants.R_TAGS)) {
                deny(rp, command, "git-gate forwards only refs/heads/* and refs/tags/*, not " + name);
            } else if (mirror.settings().forbidForcePush() && command.getType() == ReceiveCommand.Type.UPDATE_NONFASTFORWARD) {
                deny(rp, command, "force-push to " + name + " is forbidden for '" + mirror.name()
                        + "' (ForbidForcePush in the bottle manifest); push a fast-forward instead");
            } else if (mirror.settings().forbidForcePush() && command.getType() == ReceiveCommand.Type.DELETE) {
                // A deletion throws history away just like a force-push does.
                deny(rp, command, "deleting " + name + " is forbidden for '" + mirror.name()
                        + "' (ForbidForcePush in the bottle manifest); ask someone with upstream access to delete it");
            }
        }
        todo = pending(commands);
        if (todo.isEmpty()) return;

        CompletableFuture<UpstreamPush> upstream = upstreamConnection(rp.getRepository());
        try {
            List<PushFinding> findings;
            long scanStart = System.nanoTime();
            try {
                PushScanner.Result scan = scanner.scan(rp.getRepository(), todo, mirror.tips(), receivedBlobs::results);
                findings = scan.findings();
                scanMillis = (System.nanoTime() - scanStart) / 1_000_000;
                scanDetail = Map.of("blobs", scan.blobs(), "blobsRead", scan.blobsRead(), "walkMillis", scan.walkMillis(),
                        "waitMillis", scan.waitMillis(), "blobMillis", scan.blobMillis());
            } catch (IOException | RuntimeException e) {
                failAll(rp, todo, "git-gate could not scan the push (" + e.getMessage() + "); nothing was sent upstream");
                return;
            }
            if (!findings.isEmpty()) {
                rejectForSecrets(rp, todo, findings);
                return;
            }
            if (!audit.writable()) { // no decision without its record
                failAll(rp, todo, "the bottle's audit log cannot be written, so git-gate forwards nothing; nothing was sent upstream."
                        + " Push again once the bottle's owner has made room for it");
                return;
            }
            forward(rp, todo, upstream);
        } finally {
            closeWhenConnected(upstream);
        }
    }

    private CompletableFuture<UpstreamPush> upstreamConnection(Repository pushed) {
        CompletableFuture<UpstreamPush> connection = early;
        early = null;
        if (connection != null && System.nanoTime() - receiveStart < EARLY_CONNECTION_MAX_AGE_NANOS) return connection;
        if (connection != null) closeWhenConnected(connection);
        return UpstreamPush.connect(mirror.upstream(), pushed);
    }

    private static void closeWhenConnected(CompletableFuture<UpstreamPush> connection) {
        connection.whenComplete((push, failed) -> {
            if (push != null) push.close();
        });
    }

    private void rejectForSecrets(ReceivePack rp, List<ReceiveCommand> todo, List<PushFinding> findings) {
        rp.sendMessage("git-gate: push rejected: " + findings.size() + " secret(s) found in the pushed commits;"
                + " nothing was sent upstream.");
        findings.stream().limit(MAX_FINDINGS_SHOWN).forEach(f -> rp.sendMessage("git-gate:   " + f.describe()));
        if (findings.size() > MAX_FINDINGS_SHOWN) {
            rp.sendMessage("git-gate:   … and " + (findings.size() - MAX_FINDINGS_SHOWN) + " more");
        }
        rp.sendMessage("git-gate: remove the secret from every commit of the push (e.g. git rebase -i, git commit --amend) and push again.");
        PushFinding first = findings.getFirst();
        String reason = first.unscannable()
                ? "git-gate could not scan " + first.path() + " (commit " + first.commit() + ") within its work budget"
                : "secret detected by git-gate: " + first.ruleId() + " in " + first.path() + " (commit " + first.commit() + ")";
        todo.forEach(c -> c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, reason));
        record("push", "denied", reason, todo, Map.of("findings", findings.stream()
                .map(f -> Map.of("rule", f.ruleId(), "path", f.path(), "commit", f.commit(), "line", f.line(), "excerpt", f.excerpt()))
                .toList()));
    }

    private void forward(ReceivePack rp, List<ReceiveCommand> todo, CompletableFuture<UpstreamPush> upstream) {
        Repository pushed = rp.getRepository();
        Map<RemoteRefUpdate, ReceiveCommand> updates = new LinkedHashMap<>();
        try {
            for (ReceiveCommand command : todo) {
                // Compare-and-swap on the value the agent saw: a concurrent upstream change is never overwritten.
                ObjectId expectedOld = command.getOldId();
                RemoteRefUpdate update = command.getType() == ReceiveCommand.Type.DELETE
                        ? new RemoteRefUpdate(pushed, (String) null, command.getRefName(), true, null, expectedOld)
                        : new RemoteRefUpdate(pushed, null, command.getNewId(), command.getRefName(), true, null, expectedOld);
                updates.put(update, command);
            }
        } catch (IOException e) {
            failAll(rp, todo, "git-gate could not prepare the upstream push: " + e.getMessage());
            return;
        }
        Map<RemoteRefUpdate, UpstreamPush.Outcome> outcomes;
        String upstreamMessages;
        long forwardStart = System.nanoTime();
        try {
            UpstreamPush push = upstream.join();
            outcomes = push.send(List.copyOf(updates.keySet()));
            upstreamMessages = push.messages();
            forwardMillis = (System.nanoTime() - forwardStart) / 1_000_000;
        } catch (IOException | RuntimeException e) {
            Exception cause = e instanceof CompletionException && e.getCause() instanceof Exception inner ? inner : e;
            failAll(rp, todo, "upstream " + mirror.upstream().url() + " refused or unreachable: " + mirror.upstream().explain(cause)
                    + "; nothing was pushed");
            return;
        }
        if (!upstreamMessages.isBlank()) {
            upstreamMessages.lines().filter(l -> !l.isBlank()).forEach(l -> rp.sendMessage("upstream: " + l.strip()));
        }
        List<ReceiveCommand> accepted = new ArrayList<>();
        for (Map.Entry<RemoteRefUpdate, ReceiveCommand> e : updates.entrySet()) {
            ReceiveCommand command = e.getValue();
            UpstreamPush.Outcome outcome = outcomes.get(e.getKey());
            applyUpstreamStatus(command, outcome);
            if (command.getResult() == ReceiveCommand.Result.OK) {
                accepted.add(command);
            } else {
                record("push", "error", command.getRefName() + ": " + command.getMessage(), List.of(command), Map.of());
            }
        }
        if (!accepted.isEmpty()) {
            record("push", "ok", "forwarded to " + mirror.upstream().url(), accepted, Map.of());
            try {
                mirror.adoptPack(pushed.getDirectory().toPath().resolve("objects"));
                mirror.recordAccepted(accepted);
            } catch (IOException e) {
                // The upstream has the push; the mirror catches up on the next fetch.
                rp.sendMessage("git-gate: note: pushed upstream, but the gate's mirror lags until the next fetch (" + e.getMessage() + ")");
            }
        }
    }

    private static void applyUpstreamStatus(ReceiveCommand command, UpstreamPush.Outcome outcome) {
        String message = outcome.message() == null ? "" : outcome.message();
        switch (outcome.status()) {
            case OK, UP_TO_DATE -> command.setResult(ReceiveCommand.Result.OK);
            case REJECTED_NONFASTFORWARD -> command.setResult(ReceiveCommand.Result.REJECTED_NONFASTFORWARD);
            case REJECTED_NODELETE -> command.setResult(ReceiveCommand.Result.REJECTED_NODELETE);
            case REJECTED_REMOTE_CHANGED -> command.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON,
                    "the upstream ref changed since your last fetch; fetch and retry");
            case NON_EXISTING -> command.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON,
                    "the upstream has no " + command.getRefName() + " to delete");
            case REJECTED_OTHER_REASON -> command.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON,
                    "upstream rejected it" + (message.isEmpty() ? "" : ": " + message));
            default -> command.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON,
                    "the upstream did not confirm the update (" + outcome.status() + ")");
        }
    }

    private void failAll(ReceivePack rp, List<ReceiveCommand> todo, String reason) {
        rp.sendMessage("git-gate: " + reason);
        todo.forEach(c -> c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, reason));
        record("push", "error", reason, todo, Map.of());
    }

    private void deny(ReceivePack rp, ReceiveCommand command, String reason) {
        rp.sendMessage("git-gate: " + reason);
        command.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, reason);
        record("push", "denied", reason, List.of(command), Map.of());
    }

    private void record(String action, String outcome, String detail, List<ReceiveCommand> commands, Map<String, Object> extra) {
        Map<String, Object> fields = new LinkedHashMap<>(extra);
        if (receiveMillis >= 0) fields.put("receiveMillis", receiveMillis);
        if (scanMillis >= 0) fields.put("scanMillis", scanMillis);
        fields.putAll(scanDetail);
        if (forwardMillis >= 0) fields.put("forwardMillis", forwardMillis);
        fields.put("refs", commands.stream()
                .map(c -> Map.of("ref", c.getRefName(), "type", c.getType().name(), "old", c.getOldId().name(), "new", c.getNewId().name()))
                .toList());
        audit.record(new GitGateEvent(mirror.name(), action, outcome, detail, fields));
    }

    private static List<ReceiveCommand> pending(Collection<ReceiveCommand> commands) {
        return commands.stream().filter(c -> c.getResult() == ReceiveCommand.Result.NOT_ATTEMPTED).toList();
    }
}
