package io.claudebottle.gitgate;

import io.claudebottle.dlp.SecretScanner;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gate end to end: the real git CLI talks git:// to the gate, the gate talks SSH (JGit +
 * MINA sshd) to a real SSH git server on loopback.
 */
class GitGateTest {
    static final String AWS_KEY = "AKIAZ4QX7RPLM2VNW3KT";
    static final String PEM_BLOCK = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----\n";
    private static final String SECRET_LINE = "(?m)^remote: git-gate:\\s+\\S+ in %s(:\\d+)? \\(commit %s\\S*\\): .*$";

    @TempDir
    Path tmp;

    private KeyPair clientKey;
    private Path identity;
    private UpstreamSshServer server;
    private Path upstreamRepo;
    private GitGate gate;
    private GitCli git;
    private final List<GitGateEvent> audit = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        Assumptions.assumeTrue(GitCli.available() || Boolean.getBoolean("bottle.requireAll"), "git CLI not installed");
        git = new GitCli(tmp.resolve("home"), Map.of());
        Path root = Files.createDirectories(tmp.resolve("upstream"));
        upstreamRepo = root.resolve("o/r.git");
        Files.createDirectories(upstreamRepo);
        git.run(upstreamRepo, "init", "-q", "--bare", "-b", "main").ok();
        Path seed = tmp.resolve("seed");
        git.run(tmp, "init", "-q", "-b", "main", seed.toString()).ok();
        commit(seed, "README.md", "hello\n", "initial");
        commit(seed, "config/app.properties", "url=https://example.test\n", "config");
        git.run(seed, "push", "-q", upstreamRepo.toString(), "main").ok();

        clientKey = UpstreamSshServer.newKeyPair();
        identity = UpstreamSshServer.writeIdentity(clientKey, tmp.resolve("id_gate"));
        server = UpstreamSshServer.start(root, clientKey);
        gate = startGate(repo(server.hostKeyLine(), false, Map.of(), "127.0.0.1"));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (gate != null) gate.close();
        if (server != null) server.close();
    }

    private GitGateRepo repo(String knownHostKey, boolean forbidForcePush, Map<String, String> extraHosts, String host) {
        return new GitGateRepo("r", "ssh://git@" + host + ":" + server.port() + "/o/r.git", identity, knownHostKey,
                extraHosts, forbidForcePush);
    }

    private GitGate startGate(GitGateRepo repo) throws IOException {
        if (gate != null) gate.close();
        return GitGate.start(new GitGateSettings("127.0.0.1", 0, tmp.resolve("state"), List.of(repo)),
                SecretScanner.defaults(), audit::add, MirrorProgress.NONE);
    }

    private String gateUrl() {
        return "git://127.0.0.1:" + gate.port() + "/r";
    }

    private Path cloneThroughGate(String name) throws Exception {
        Path work = tmp.resolve(name);
        git.run(tmp, "clone", "-q", gateUrl(), work.toString()).ok();
        return work;
    }

    private String commit(Path work, String path, String content, String message) throws Exception {
        Path file = work.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        git.run(work, "add", path).ok();
        git.run(work, "commit", "-q", "-m", message).ok();
        return head(work);
    }

    private String head(Path work) throws Exception {
        return git.run(work, "rev-parse", "HEAD").ok().trimmed();
    }

    private String upstreamRef(String ref) throws Exception {
        GitCli.Result r = git.run(upstreamRepo, "rev-parse", "-q", "--verify", ref);
        return r.exit() == 0 ? r.trimmed() : null;
    }

    private boolean upstreamHasObject(String id) throws Exception {
        return git.run(upstreamRepo, "cat-file", "-e", id).exit() == 0;
    }

    @Test
    void cleanPushLandsUpstreamAndIsServedBack() throws Exception {
        Path work = cloneThroughGate("work");
        String pushed = commit(work, "src/Main.java", "class Main {}\n", "add main");

        git.run(work, "push", "origin", "main").ok();

        assertThat(upstreamRef("refs/heads/main")).isEqualTo(pushed);
        Path other = cloneThroughGate("other");
        assertThat(head(other)).isEqualTo(pushed);
        assertThat(audit).anyMatch(e -> e.action().equals("push") && e.outcome().equals("ok"));
    }

    @Test
    void aCleanPushIsNotForwardedWhileTheAuditLogCannotBeWritten() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean full = new java.util.concurrent.atomic.AtomicBoolean(true);
        gate.close();
        gate = GitGate.start(new GitGateSettings("127.0.0.1", 0, tmp.resolve("state-full"),
                List.of(repo(server.hostKeyLine(), false, Map.of(), "127.0.0.1"))), SecretScanner.defaults(), new GitGateAudit() {
                    @Override
                    public void record(GitGateEvent event) {
                        audit.add(event);
                    }

                    @Override
                    public boolean writable() {
                        return !full.get();
                    }
                }, MirrorProgress.NONE);
        Path work = cloneThroughGate("work");
        String before = upstreamRef("refs/heads/main");
        String pushed = commit(work, "src/Main.java", "class Main {}\n", "add main");

        GitCli.Result push = git.run(work, "push", "origin", "main");

        assertThat(push.exit()).isNotZero();
        assertThat(push.output()).contains("audit log cannot be written").contains("nothing was sent upstream");
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(before);
        assertThat(upstreamHasObject(pushed)).isFalse();
        full.set(false);
        git.run(work, "push", "origin", "main").ok();
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(pushed);
    }

    @Test
    void awsKeyIsRejectedWithRuleFileCommitAndRedactedExcerpt() throws Exception {
        Path work = cloneThroughGate("work");
        String before = upstreamRef("refs/heads/main");
        String bad = commit(work, "deploy/aws.env", "AWS_ACCESS_KEY_ID=" + AWS_KEY + "\n", "add aws creds");

        GitCli.Result push = git.run(work, "push", "origin", "main");

        assertThat(push.exit()).isNotZero();
        assertThat(push.output())
                .contains("remote: git-gate: push rejected")
                .contains("aws-access-key-id")
                .containsPattern(SECRET_LINE.formatted("deploy/aws\\.env", bad.substring(0, 7)))
                .contains("[remote rejected] main -> main (secret detected by git-gate")
                .doesNotContain(AWS_KEY);
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(before);
        assertThat(upstreamHasObject(bad)).isFalse();
        assertThat(audit).anyMatch(e -> e.action().equals("push") && e.outcome().equals("denied"));
        assertThat(audit.toString()).doesNotContain(AWS_KEY);
    }

    @Test
    void privateKeyBlockIsRejected() throws Exception {
        Path work = cloneThroughGate("work");
        String before = upstreamRef("refs/heads/main");
        String bad = commit(work, "keys/id_rsa", PEM_BLOCK, "oops");

        GitCli.Result push = git.run(work, "push", "origin", "main");

        assertThat(push.exit()).isNotZero();
        assertThat(push.output()).containsPattern(SECRET_LINE.formatted("keys/id_rsa", bad.substring(0, 7)));
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(before);
    }

    @Test
    void secretInAnOlderCommitOfTheRangeIsRejectedEvenIfTheTipRemovesIt() throws Exception {
        Path work = cloneThroughGate("work");
        String before = upstreamRef("refs/heads/main");
        String introduced = commit(work, "notes.txt", "key " + AWS_KEY + "\n", "add notes");
        commit(work, "notes.txt", "nothing to see\n", "scrub notes");
        commit(work, "other.txt", "more work\n", "more");

        GitCli.Result push = git.run(work, "push", "origin", "main");

        assertThat(push.exit()).isNotZero();
        assertThat(push.output()).containsPattern(SECRET_LINE.formatted("notes\\.txt", introduced.substring(0, 7)));
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(before);
    }

    @Test
    void secretAddedToAnExistingFileIsRejected() throws Exception {
        Path work = cloneThroughGate("work");
        String before = upstreamRef("refs/heads/main");
        String bad = commit(work, "config/app.properties", "url=https://example.test\naws.key=" + AWS_KEY + "\n", "tune config");

        GitCli.Result push = git.run(work, "push", "origin", "main");

        assertThat(push.exit()).isNotZero();
        assertThat(push.output()).containsPattern(SECRET_LINE.formatted("config/app\\.properties:2", bad.substring(0, 7)));
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(before);
    }

    @Test
    void secretOnANewBranchAndInACommitMessageAreRejected() throws Exception {
        Path work = cloneThroughGate("work");
        git.run(work, "checkout", "-q", "-b", "feature").ok();
        Files.writeString(work.resolve("clean.txt"), "clean\n");
        git.run(work, "add", "clean.txt").ok();
        git.run(work, "commit", "-q", "-m", "deploy with " + AWS_KEY).ok();

        GitCli.Result push = git.run(work, "push", "origin", "feature");

        assertThat(push.exit()).isNotZero();
        assertThat(push.output()).contains("(commit message)").doesNotContain(AWS_KEY);
        assertThat(upstreamRef("refs/heads/feature")).isNull();
    }

    @Test
    void objectsOfARejectedPushCannotBeFetchedBack() throws Exception {
        Path work = cloneThroughGate("work");
        String bad = commit(work, "deploy/aws.env", "AWS_ACCESS_KEY_ID=" + AWS_KEY + "\n", "add aws creds");
        String badBlob = git.run(work, "rev-parse", "HEAD:deploy/aws.env").ok().trimmed();
        assertThat(git.run(work, "push", "origin", "main").exit()).isNotZero();

        Path probe = tmp.resolve("probe");
        git.run(tmp, "init", "-q", probe.toString()).ok();
        for (String want : List.of(bad, badBlob)) {
            GitCli.Result fetch = git.run(probe, "fetch", gateUrl(), want);
            assertThat(fetch.exit()).as("fetching %s back:\n%s", want, fetch.output()).isNotZero();
            fetch = git.run(probe, "-c", "protocol.version=0", "fetch", gateUrl(), want);
            assertThat(fetch.exit()).as("fetching %s back over protocol v0:\n%s", want, fetch.output()).isNotZero();
        }
        assertThat(git.run(probe, "cat-file", "-e", badBlob).exit()).isNotZero();
        try (Repository mirror = new FileRepositoryBuilder().setGitDir(tmp.resolve("state/mirrors/r.git").toFile()).build()) {
            assertThat(mirror.getObjectDatabase().has(ObjectId.fromString(bad))).isFalse();
            assertThat(mirror.getObjectDatabase().has(ObjectId.fromString(badBlob))).isFalse();
        }
        assertThat(upstreamHasObject(badBlob)).isFalse();
        try (var scratch = Files.list(Files.createDirectories(tmp.resolve("state/scratch")))) {
            assertThat(scratch.toList()).as("scratch repositories are deleted after each push").isEmpty();
        }
    }

    @Test
    void forcePushAndDeleteAreForwarded() throws Exception {
        Path work = cloneThroughGate("work");
        commit(work, "a.txt", "a\n", "a");
        git.run(work, "push", "-q", "origin", "main", "main:refs/heads/topic").ok();
        assertThat(upstreamRef("refs/heads/topic")).isNotNull();

        git.run(work, "reset", "-q", "--hard", "HEAD~1").ok();
        String rewritten = commit(work, "b.txt", "b\n", "b instead of a");
        assertThat(git.run(work, "push", "origin", "main").exit()).as("a plain push of rewritten history").isNotZero();
        git.run(work, "push", "--force", "origin", "main").ok();
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(rewritten);

        git.run(work, "push", "origin", ":topic").ok();
        assertThat(upstreamRef("refs/heads/topic")).isNull();
    }

    @Test
    void forcePushIsRefusedWhenForbidden() throws Exception {
        gate = startGate(repo(server.hostKeyLine(), true, Map.of(), "127.0.0.1"));
        Path work = cloneThroughGate("work");
        String before = upstreamRef("refs/heads/main");
        git.run(work, "reset", "-q", "--hard", "HEAD~1").ok();
        commit(work, "b.txt", "b\n", "rewrite");

        GitCli.Result push = git.run(work, "push", "--force", "origin", "main");

        assertThat(push.exit()).isNotZero();
        assertThat(push.output()).contains("force-push to refs/heads/main is forbidden for 'r' (ForbidForcePush");
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(before);
    }

    @Test
    void deletionIsRefusedWhenForcePushIsForbidden() throws Exception {
        Path work = cloneThroughGate("work");
        String topic = commit(work, "t.txt", "t\n", "topic work");
        git.run(work, "push", "-q", "origin", "HEAD:refs/heads/topic", "HEAD:refs/tags/v1").ok();
        gate = startGate(repo(server.hostKeyLine(), true, Map.of(), "127.0.0.1"));
        git.run(work, "remote", "set-url", "origin", gateUrl()).ok();
        String next = commit(work, "u.txt", "u\n", "more work");

        GitCli.Result push = git.run(work, "push", "origin", ":topic", ":refs/tags/v1", "HEAD:main");

        assertThat(push.exit()).isNotZero();
        assertThat(push.output())
                .contains("remote: git-gate: deleting refs/heads/topic is forbidden for 'r' (ForbidForcePush")
                .contains("remote: git-gate: deleting refs/tags/v1 is forbidden for 'r' (ForbidForcePush")
                .contains("[remote rejected] topic (deleting refs/heads/topic is forbidden");
        assertThat(upstreamRef("refs/heads/topic")).isEqualTo(topic);
        assertThat(upstreamRef("refs/tags/v1")).isEqualTo(topic);
        assertThat(upstreamRef("refs/heads/main")).as("the fast-forward in the same push still goes through").isEqualTo(next);
        assertThat(audit).anyMatch(e -> e.action().equals("push") && e.outcome().equals("denied")
                && e.detail().startsWith("deleting refs/heads/topic"));
    }

    @Test
    void firstMirrorCloneRunsInTheBackgroundAndRequestsWaitForIt() throws Exception {
        gate.close();
        gate = null;
        audit.clear();
        Path direct = tmp.resolve("direct");
        git.run(tmp, "clone", "-q", upstreamRepo.toString(), direct.toString()).ok();
        String pushed = commit(direct, "while-cloning.txt", "w\n", "pushed while the gate clones");
        List<String> progress = new CopyOnWriteArrayList<>();
        CountDownLatch upstreamSlow = server.holdUploadPacks();
        try {
            gate = GitGate.start(new GitGateSettings("127.0.0.1", 0, tmp.resolve("state-bg"),
                            List.of(repo(server.hostKeyLine(), false, Map.of(), "127.0.0.1"))),
                    SecretScanner.defaults(), audit::add, new MirrorProgress() {
                        @Override
                        public void update(String repo, String task, int done, int total) {
                            progress.add(repo + ":" + task);
                        }

                        @Override
                        public void finished(String repo, String failure) {
                            progress.add(repo + ":finished:" + failure);
                        }
                    });
            // start() returned although the upstream has not served the clone yet: nothing waits on it.
            awaitCondition(() -> server.uploadPacksHeld() == 1, "the gate's first clone to reach the upstream");
            assertThat(audit).noneMatch(e -> e.action().equals("mirror"));

            git.run(direct, "remote", "add", "gate", gateUrl()).ok();
            CompletableFuture<GitCli.Result> clone = runAsync(tmp, "clone", "-q", gateUrl(), tmp.resolve("early").toString());
            CompletableFuture<GitCli.Result> push = runAsync(direct, "push", "gate", "main");
            Thread.sleep(1_000);
            assertThat(clone).as("a clone waits for the first mirror clone").isNotDone();
            assertThat(push).as("a push waits for the first mirror clone").isNotDone();

            upstreamSlow.countDown();
            push.get(60, TimeUnit.SECONDS).ok();
            clone.get(60, TimeUnit.SECONDS).ok();
        } finally {
            upstreamSlow.countDown();
        }
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(pushed);
        assertThat(progress).anyMatch(t -> t.startsWith("r:Receiving objects"));
        assertThat(progress.getLast()).as("the first sync's end comes last").isEqualTo("r:finished:null");
        assertThat(audit).anyMatch(e -> e.action().equals("mirror") && e.outcome().equals("ok"));
        int reported = progress.size();
        git.run(tmp.resolve("early"), "fetch", "-q").ok();
        assertThat(progress).as("the refresh before a fetch reports no progress").hasSize(reported);
    }

    @Test
    void failedFirstMirrorCloneFailsFetchAndPushClearlyUntilTheUpstreamIsBack() throws Exception {
        Path work = cloneThroughGate("work");
        gate.close();
        gate = null;
        server.close();
        int port = server.port();
        CompletableFuture<String> firstSyncFailure = new CompletableFuture<>();
        gate = GitGate.start(new GitGateSettings("127.0.0.1", 0, tmp.resolve("state-down"),
                        List.of(repo(server.hostKeyLine(), false, Map.of(), "127.0.0.1"))),
                SecretScanner.defaults(), audit::add, new MirrorProgress() {
                    @Override
                    public void update(String repo, String task, int done, int total) {
                    }

                    @Override
                    public void finished(String repo, String failure) {
                        firstSyncFailure.complete(repo + ": " + failure);
                    }
                });
        assertThat(firstSyncFailure.get(30, TimeUnit.SECONDS)).startsWith("r: cannot mirror ssh://git@127.0.0.1:" + port + "/o/r.git: ");
        git.run(work, "remote", "set-url", "origin", gateUrl()).ok();
        String before = upstreamRef("refs/heads/main");
        String pushed = commit(work, "p.txt", "p\n", "p");

        GitCli.Result fetch = git.run(work, "fetch", "origin");
        GitCli.Result push = git.run(work, "push", "origin", "main");

        assertThat(fetch.exit()).isNotZero();
        assertThat(fetch.output()).contains("fatal: remote error: git-gate: cannot fetch 'r' from its upstream");
        assertThat(push.exit()).isNotZero();
        assertThat(push.output()).contains("fatal: remote error: git-gate: cannot push to 'r': its upstream ssh://git@127.0.0.1:"
                + port + "/o/r.git could not be mirrored").contains("Nothing was sent upstream");
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(before);
        assertThat(audit).anyMatch(e -> e.action().equals("mirror") && e.outcome().equals("error"));

        server = UpstreamSshServer.start(server.root(), clientKey, server.hostKey(), port);
        git.run(work, "push", "-q", "origin", "main").ok();
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(pushed);
    }

    private CompletableFuture<GitCli.Result> runAsync(Path dir, String... args) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return git.run(dir, args);
            } catch (IOException | InterruptedException e) {
                throw new CompletionException(e);
            }
        });
    }

    private static void awaitCondition(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void wrongKnownHostKeyFailsFetchAndPushWithAClearMessage() throws Exception {
        Path work = cloneThroughGate("work");
        String impostor = UpstreamSshServer.publicKeyLine(UpstreamSshServer.newKeyPair());
        gate = startGate(repo(impostor, false, Map.of(), "127.0.0.1"));
        git.run(work, "remote", "set-url", "origin", gateUrl()).ok();

        GitCli.Result fetch = git.run(work, "fetch", "origin");
        assertThat(fetch.exit()).isNotZero();
        assertThat(fetch.output()).contains("remote error: git-gate: cannot fetch 'r'").contains("host key mismatch")
                .contains("update KnownHostKey");

        String before = upstreamRef("refs/heads/main");
        commit(work, "c.txt", "c\n", "c");
        GitCli.Result push = git.run(work, "push", "origin", "main");
        assertThat(push.exit()).isNotZero();
        assertThat(push.output()).contains("host key mismatch");
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(before);
    }

    @Test
    void unreachableUpstreamFailsTheFetchInsteadOfServingStaleData() throws Exception {
        Path work = cloneThroughGate("work");
        server.close();

        GitCli.Result fetch = git.run(work, "fetch", "origin");
        assertThat(fetch.exit()).isNotZero();
        assertThat(fetch.output()).contains("remote error: git-gate: cannot fetch 'r' from its upstream")
                .contains("fail closed");
        GitCli.Result clone = git.run(tmp, "clone", gateUrl(), tmp.resolve("fresh").toString());
        assertThat(clone.exit()).isNotZero();
        assertThat(audit).anyMatch(e -> e.action().equals("fetch") && e.outcome().equals("error"));
    }

    @Test
    void fetchSeesUpstreamChangesAndPrunedBranches() throws Exception {
        Path work = cloneThroughGate("work");
        Path direct = tmp.resolve("direct");
        git.run(tmp, "clone", "-q", upstreamRepo.toString(), direct.toString()).ok();
        String moved = commit(direct, "d.txt", "d\n", "upstream moved");
        git.run(direct, "push", "-q", "origin", "main", "main:refs/heads/gone").ok();
        git.run(work, "fetch", "-q", "origin").ok();
        assertThat(git.run(work, "rev-parse", "origin/main").ok().trimmed()).isEqualTo(moved);
        assertThat(git.run(work, "rev-parse", "-q", "--verify", "origin/gone").exit()).isZero();

        git.run(direct, "push", "-q", "origin", ":gone").ok();
        git.run(work, "fetch", "-q", "--prune", "origin").ok();
        assertThat(git.run(work, "rev-parse", "-q", "--verify", "origin/gone").exit()).isNotZero();
    }

    @Test
    void realUpstreamUrlGoesThroughTheGateViaInsteadOfAndExtraHostsPinsTheAddress() throws Exception {
        // "upstream.bottle.test" does not resolve anywhere: only ExtraHosts makes it reachable.
        GitGateRepo pinned = repo(server.hostKeyLine(), false, Map.of("upstream.bottle.test", "127.0.0.1"), "upstream.bottle.test");
        gate = startGate(pinned);
        Files.writeString(git.home().resolve(".gitconfig"),
                InsteadOf.gitconfig("git://127.0.0.1:" + gate.port(), List.of(pinned)));

        Path work = tmp.resolve("via-insteadof");
        git.run(tmp, "clone", "-q", pinned.upstream(), work.toString()).ok();
        String pushed = commit(work, "e.txt", "e\n", "e");
        git.run(work, "push", "-q", "origin", "main").ok();
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(pushed);
    }

    @Test
    void tagPointingStraightAtASecretBlobIsRejected() throws Exception {
        Path work = cloneThroughGate("work");
        Files.writeString(work.resolve("loose.txt"), "token " + AWS_KEY + "\n");
        String blob = git.run(work, "hash-object", "-w", "loose.txt").ok().trimmed();
        git.run(work, "tag", "stash-it", blob).ok();

        GitCli.Result push = git.run(work, "push", "origin", "refs/tags/stash-it");

        assertThat(push.exit()).isNotZero();
        assertThat(push.output()).contains("secret detected by git-gate");
        assertThat(upstreamRef("refs/tags/stash-it")).isNull();
        assertThat(upstreamHasObject(blob)).isFalse();
    }

    @Test
    void secretReachedOnlyThroughAMergesSecondParentIsRejected() throws Exception {
        Path work = cloneThroughGate("work");
        git.run(work, "checkout", "-q", "-b", "side").ok();
        String bad = commit(work, "side.txt", "k=" + AWS_KEY + "\n", "side work");
        commit(work, "side.txt", "clean now\n", "clean side");
        git.run(work, "checkout", "-q", "main").ok();
        commit(work, "main.txt", "main work\n", "main work");
        git.run(work, "merge", "-q", "--no-edit", "side").ok();
        String before = upstreamRef("refs/heads/main");

        GitCli.Result push = git.run(work, "push", "origin", "main");

        assertThat(push.exit()).isNotZero();
        assertThat(push.output()).containsPattern(SECRET_LINE.formatted("side\\.txt", bad.substring(0, 7)));
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(before);
    }

    @Test
    void refsOutsideBranchesAndTagsAreNotForwarded() throws Exception {
        Path work = cloneThroughGate("work");
        commit(work, "n.txt", "n\n", "n");

        GitCli.Result push = git.run(work, "push", "origin", "HEAD:refs/notes/smuggle");

        assertThat(push.exit()).isNotZero();
        assertThat(push.output()).contains("git-gate forwards only refs/heads/* and refs/tags/*");
        assertThat(upstreamRef("refs/notes/smuggle")).isNull();
    }

    @Test
    void forcePushNeverOverwritesUpstreamWorkTheAgentHasNotSeen() throws Exception {
        Path work = cloneThroughGate("work");
        Path direct = tmp.resolve("direct");
        git.run(tmp, "clone", "-q", upstreamRepo.toString(), direct.toString()).ok();
        String someoneElses = commit(direct, "theirs.txt", "theirs\n", "someone else's work");
        git.run(direct, "push", "-q", "origin", "main").ok();
        commit(work, "mine.txt", "mine\n", "mine");

        GitCli.Result push = git.run(work, "push", "--force", "origin", "main");

        assertThat(push.exit()).isNotZero();
        assertThat(push.output()).contains("the upstream ref changed since your last fetch; fetch and retry");
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(someoneElses);
    }

    @Test
    void aPushAcceptedUpstreamIsImmediatelyTheBaseOfTheNextOne() throws Exception {
        Path work = cloneThroughGate("work");
        commit(work, "1.txt", "1\n", "1");
        git.run(work, "push", "-q", "origin", "main").ok();
        git.run(work, "commit", "-q", "--amend", "-m", "1 amended").ok();
        git.run(work, "push", "-q", "--force", "origin", "main").ok();
        String second = commit(work, "2.txt", "2\n", "2");
        git.run(work, "push", "-q", "origin", "main").ok();
        assertThat(upstreamRef("refs/heads/main")).isEqualTo(second);
    }

    @Test
    void firstMirrorCloneReportsProgress() throws Exception {
        List<String> tasks = new CopyOnWriteArrayList<>();
        gate.close();
        gate = GitGate.start(new GitGateSettings("127.0.0.1", 0, tmp.resolve("state2"), List.of(repo(server.hostKeyLine(), false, Map.of(), "127.0.0.1"))),
                SecretScanner.defaults(), audit::add, (repo, task, done, total) -> tasks.add(repo + ":" + task + ":" + done + "/" + total));
        git.run(tmp, "ls-remote", gateUrl()).ok(); // waits for the first clone
        assertThat(tasks).anyMatch(t -> t.startsWith("r:Receiving objects:"));
        assertThat(audit).anyMatch(e -> e.action().equals("mirror") && e.outcome().equals("ok"));
    }

    @Test
    void firstPushToAnEmptyUpstreamIsScannedWhole() throws Exception {
        Path empty = Files.createDirectories(server.root().resolve("o/empty.git"));
        git.run(empty, "init", "-q", "--bare", "-b", "main").ok();
        gate = startGate(new GitGateRepo("r", "ssh://git@127.0.0.1:" + server.port() + "/o/empty.git", identity,
                server.hostKeyLine(), Map.of(), false));
        Path work = tmp.resolve("fresh");
        git.run(tmp, "clone", "-q", gateUrl(), work.toString()).ok();
        String bad = commit(work, "creds.txt", "id=" + AWS_KEY + "\n", "first");
        commit(work, "creds.txt", "gone\n", "second");

        GitCli.Result rejected = git.run(work, "push", "origin", "HEAD:refs/heads/main");
        assertThat(rejected.exit()).isNotZero();
        assertThat(rejected.output()).containsPattern(SECRET_LINE.formatted("creds\\.txt", bad.substring(0, 7)));
        assertThat(git.run(empty, "rev-parse", "-q", "--verify", "main").exit()).isNotZero();

        git.run(work, "checkout", "-q", "--orphan", "clean").ok();
        String clean = commit(work, "ok.txt", "ok\n", "clean start");
        git.run(work, "push", "-q", "origin", "clean:main").ok();
        assertThat(git.run(empty, "rev-parse", "main").ok().trimmed()).isEqualTo(clean);
    }

    @Test
    void scanWorkIsProportionalToWhatIsNewNotToTheRepository() throws Exception {
        Path direct = tmp.resolve("big");
        git.run(tmp, "clone", "-q", upstreamRepo.toString(), direct.toString()).ok();
        for (int i = 0; i < 300; i++) {
            Path f = direct.resolve("src/d" + (i % 10) + "/f" + i + ".txt");
            Files.createDirectories(f.getParent());
            Files.writeString(f, "file " + i + "\n");
        }
        git.run(direct, "add", "-A").ok();
        git.run(direct, "commit", "-q", "-m", "300 files").ok();
        git.run(direct, "push", "-q", "origin", "main").ok();
        AtomicInteger scanned = new AtomicInteger();
        SecretScanner real = SecretScanner.defaults();
        SecretScanner counting = (SecretScanner) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SecretScanner.class}, (proxy, method, args) -> {
                    if (method.getName().equals("scan")) scanned.incrementAndGet();
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        gate.close();
        gate = GitGate.start(new GitGateSettings("127.0.0.1", 0, tmp.resolve("state"),
                List.of(repo(server.hostKeyLine(), false, Map.of(), "127.0.0.1"))), counting, audit::add, MirrorProgress.NONE);
        Path work = cloneThroughGate("work");
        Files.writeString(work.resolve("src/d3/f13.txt"), "changed\n");
        git.run(work, "commit", "-q", "-am", "one change").ok();

        git.run(work, "push", "-q", "origin", "main").ok();

        assertThat(scanned.get()).as("one changed blob and one commit message, in a repository of 300 files").isEqualTo(2);
    }

    @Test
    void historyScrubbedUpstreamCannotBePushedBackFromTheMirror() throws Exception {
        // A leak reached the upstream without the gate, the gate mirrored it, then the upstream was
        // force-pushed clean. The mirror still holds the old objects; pushing them back is new content.
        Path direct = tmp.resolve("direct");
        git.run(tmp, "clone", "-q", upstreamRepo.toString(), direct.toString()).ok();
        String clean = head(direct);
        String leak = commit(direct, "leak.txt", "k=" + AWS_KEY + "\n", "leak");
        git.run(direct, "push", "-q", "origin", "main").ok();
        Path work = cloneThroughGate("work");
        git.run(direct, "push", "-q", "--force", "origin", clean + ":refs/heads/main").ok();
        git.run(work, "fetch", "-q", "origin").ok();

        GitCli.Result push = git.run(work, "push", "origin", leak + ":refs/heads/again");

        assertThat(push.exit()).isNotZero();
        assertThat(push.output()).containsPattern(SECRET_LINE.formatted("leak\\.txt", leak.substring(0, 7)));
        assertThat(upstreamRef("refs/heads/again")).isNull();
    }

    @Test
    void unknownRepositoryNameIsExplained() throws Exception {
        GitCli.Result r = git.run(tmp, "ls-remote", "git://127.0.0.1:" + gate.port() + "/nope");
        assertThat(r.exit()).isNotZero();
        assertThat(r.output()).contains("fatal: remote error: git-gate: no repository 'nope'; this bottle serves r");
    }
}
