package io.claudebottle.gitgate;

import io.claudebottle.dlp.BodyVerdict;
import io.claudebottle.dlp.Finding;
import io.claudebottle.dlp.SecretScanner;
import io.claudebottle.dlp.StreamScan;
import org.eclipse.jgit.lib.BlobObjectChecker;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PackParser;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Blobs scanned as JGit's pack parser inflates them: every blob of a real pack (stored whole or as
 * a delta) gets a result under its id, a secret is found wherever the parser's chunks split it,
 * a failing scan fails the push, and a new blob the pack did not carry is still read and scanned.
 */
class ReceivedBlobScanTest {
    private static final byte[] SECRET = ("aws.key=" + GitGateTest.AWS_KEY + "\n").getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @Test
    void everyBlobOfARealPackIsScannedWholeOrAsADeltaResult() throws Exception {
        Assumptions.assumeTrue(GitCli.available() || Boolean.getBoolean("bottle.requireAll"), "git CLI not installed");
        GitCli git = new GitCli(tmp.resolve("home"), Map.of());
        Path work = tmp.resolve("work");
        git.run(tmp, "init", "-q", "-b", "main", work.toString()).ok();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 400; i++) text.append("line ").append(i).append(" of a file that changes a little\n");
        Files.writeString(work.resolve("app.conf"), text);
        git.run(work, "add", "app.conf").ok();
        git.run(work, "commit", "-q", "-m", "clean").ok();
        Files.writeString(work.resolve("app.conf"), text + new String(SECRET, StandardCharsets.US_ASCII));
        git.run(work, "commit", "-q", "-am", "leak").ok();
        ObjectId clean = ObjectId.fromString(git.run(work, "rev-parse", "HEAD~1:app.conf").ok().trimmed());
        ObjectId leaked = ObjectId.fromString(git.run(work, "rev-parse", "HEAD:app.conf").ok().trimmed());
        Path pack = tmp.resolve("push.pack");
        Path revs = Files.writeString(tmp.resolve("revs"), "HEAD\n");
        Process packObjects = new ProcessBuilder("git", "pack-objects", "--revs", "--stdout", "-q")
                .directory(work.toFile()).redirectInput(revs.toFile()).redirectOutput(pack.toFile()).start();
        assertThat(packObjects.waitFor()).isZero();

        try (Repository scratch = bareRepository("scratch"); ReceivedBlobScan scan = new ReceivedBlobScan(SecretScanner.defaults());
             ObjectInserter inserter = scratch.newObjectInserter(); InputStream in = Files.newInputStream(pack)) {
            PackParser parser = inserter.newPackParser(in);
            parser.setObjectChecker(scan);
            parser.parse(NullProgressMonitor.INSTANCE);
            inserter.flush();

            assertThat(parser.getReceivedPackStatistics().getNumDeltaBlob()).as("git stored one version as a delta").isEqualTo(1);
            Map<ObjectId, List<Finding>> results = scan.results();
            assertThat(results).containsKeys(clean, leaked);
            assertThat(results.get(clean)).isEmpty();
            assertThat(results.get(leaked)).extracting(Finding::line).containsExactly(401);
        }
    }

    @Test
    void aSecretSplitAcrossTheParsersChunksIsFound() throws Exception {
        byte[] blob = blob(5000, SECRET);
        ObjectId id = blobId(blob);
        try (ReceivedBlobScan scan = new ReceivedBlobScan(SecretScanner.defaults())) {
            BlobObjectChecker chunks = scan.newBlobObjectChecker();
            byte[] reused = new byte[7];
            for (int off = 0; off < blob.length; off += reused.length) {
                int n = Math.min(reused.length, blob.length - off);
                System.arraycopy(blob, off, reused, 0, n);
                chunks.update(reused, 0, n);
                java.util.Arrays.fill(reused, (byte) 'x'); // the parser reuses its buffer
            }
            chunks.endBlob(id);

            assertThat(scan.results().get(id)).singleElement().satisfies(f -> assertThat(f.line()).isEqualTo(51));
        }
    }

    @Test
    void aBlobBeyondTheWholeBlobLimitIsStreamedAndStillScannedToTheEnd() throws Exception {
        byte[] line = "the quick brown fox jumps over the lazy dog, again and again, line after line.\n".getBytes(StandardCharsets.US_ASCII);
        byte[] blob = new byte[PushScanner.WHOLE_BLOB_LIMIT + (1 << 20)];
        for (int i = 0; i < blob.length; i += line.length) System.arraycopy(line, 0, blob, i, Math.min(line.length, blob.length - i));
        int at = blob.length - 1000;
        blob[at - 1] = '\n';
        System.arraycopy(SECRET, 0, blob, at, SECRET.length);
        ObjectId id = ObjectId.fromString("1111111111111111111111111111111111111111");
        try (ReceivedBlobScan scan = new ReceivedBlobScan(SecretScanner.defaults())) {
            // A delta result arrives whole; it goes through the same chunk collector a stored blob does.
            scan.check(id, Constants.OBJ_BLOB, blob);

            assertThat(scan.results().get(id)).extracting(Finding::ruleId).isNotEmpty();
        }
    }

    @Test
    void twoContentsUnderOneIdKeepTheFindingsOfBoth() throws Exception {
        // What a SHA-1 collision would look like to the gate: it must not let the clean twin hide the other.
        ObjectId id = blobId("innocent\n".getBytes(StandardCharsets.US_ASCII));
        try (ReceivedBlobScan scan = new ReceivedBlobScan(SecretScanner.defaults())) {
            scan.check(id, Constants.OBJ_BLOB, "innocent\n".getBytes(StandardCharsets.US_ASCII));
            scan.check(id, Constants.OBJ_BLOB, SECRET);
            assertThat(scan.results().get(id)).hasSize(1);

            scan.check(id, Constants.OBJ_BLOB, "innocent\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(scan.results().get(id)).hasSize(1);
        }
    }

    @Test
    void aScanThatFailsFailsThePushInsteadOfPassingTheBlob() throws Exception {
        ObjectId id = blobId(SECRET);
        try (ReceivedBlobScan scan = new ReceivedBlobScan(new BrokenScanner())) {
            scan.check(id, Constants.OBJ_BLOB, SECRET);
            assertThatThrownBy(scan::results).isInstanceOf(IOException.class).hasMessageContaining("engine exploded");
        }
    }

    @Test
    void aNewBlobThePackDidNotCarryIsReadAndScanned() throws Exception {
        try (Repository repo = bareRepository("repo"); ObjectInserter inserter = repo.newObjectInserter()) {
            ObjectId blob = inserter.insert(Constants.OBJ_BLOB, SECRET);
            ObjectId carried = inserter.insert(Constants.OBJ_BLOB, "fine\n".getBytes(StandardCharsets.US_ASCII));
            ObjectId tip = commit(inserter, "two files\n", Map.of("fine.txt", carried, "leak.txt", blob));
            ReceiveCommand create = new ReceiveCommand(ObjectId.zeroId(), tip, "refs/heads/main");

            // Only fine.txt was scanned on arrival: leak.txt must still be read and scanned.
            PushScanner.Result result = new PushScanner(SecretScanner.defaults())
                    .scan(repo, List.of(create), Set.of(), Map.of(carried, List.of()));

            assertThat(result.blobs()).isEqualTo(2);
            assertThat(result.blobsRead()).isEqualTo(1);
            assertThat(result.findings()).singleElement().satisfies(f -> assertThat(f.path()).isEqualTo("leak.txt"));
        }
    }

    @Test
    void onArrivalResultsAreAwaitedAfterTheWalkAndStillDecideThePush() throws Exception {
        try (Repository repo = bareRepository("repo"); ObjectInserter inserter = repo.newObjectInserter()) {
            ObjectId leak = inserter.insert(Constants.OBJ_BLOB, SECRET);
            ObjectId tip = commit(inserter, "one file\n", Map.of("leak.txt", leak));
            List<ReceiveCommand> create = List.of(new ReceiveCommand(ObjectId.zeroId(), tip, "refs/heads/main"));
            PushScanner scanner = new PushScanner(SecretScanner.defaults());

            // The on-arrival scan found the secret: its finding counts although the walk ran first.
            Finding found = SecretScanner.defaults().scan(SECRET).getFirst();
            PushScanner.Result result = scanner.scan(repo, create, Set.of(), () -> Map.of(leak, List.of(found)));
            assertThat(result.blobsRead()).isZero();
            assertThat(result.findings()).singleElement().satisfies(f -> assertThat(f.path()).isEqualTo("leak.txt"));

            // An on-arrival scan that failed fails the whole scan: nothing is forwarded.
            assertThatThrownBy(() -> scanner.scan(repo, create, Set.of(), () -> {
                throw new IOException("scan of a received blob failed: engine exploded");
            })).isInstanceOf(IOException.class).hasMessageContaining("engine exploded");
        }
    }

    private Repository bareRepository(String name) throws IOException {
        Repository repo = new FileRepositoryBuilder().setGitDir(tmp.resolve(name).toFile()).setBare().build();
        repo.create(true);
        return repo;
    }

    private static byte[] blob(int fillerLines, byte[] secret) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 50; i++) text.append("filler line ").append(i).append('\n');
        byte[] head = text.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "tail\n".repeat(fillerLines).getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + secret.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(secret, 0, all, head.length, secret.length);
        System.arraycopy(tail, 0, all, head.length + secret.length, tail.length);
        return all;
    }

    private static ObjectId blobId(byte[] content) {
        try (ObjectInserter.Formatter f = new ObjectInserter.Formatter()) {
            return f.idFor(Constants.OBJ_BLOB, content);
        }
    }

    /** A DLP engine that breaks on every input. */
    private static final class BrokenScanner implements SecretScanner {
        @Override
        public List<Finding> scan(CharSequence text) {
            throw new IllegalStateException("engine exploded");
        }

        @Override
        public List<Finding> scan(byte[] bytes) {
            throw new IllegalStateException("engine exploded");
        }

        @Override
        public BodyVerdict scanBody(byte[] body, String contentType, String contentEncoding) {
            throw new IllegalStateException("engine exploded");
        }

        @Override
        public StreamScan stream() {
            throw new IllegalStateException("engine exploded");
        }

        @Override
        public SecretScanner without(Set<String> ruleIds) {
            return this;
        }

        @Override
        public SecretScanner ignoringValues(Set<String> values) {
            return this;
        }
    }

    /** A root commit of {@code files} (name to blob), flushed. */
    private static ObjectId commit(ObjectInserter inserter, String message, Map<String, ObjectId> files) throws IOException {
        org.eclipse.jgit.lib.TreeFormatter tree = new org.eclipse.jgit.lib.TreeFormatter();
        new java.util.TreeMap<>(files).forEach((name, blob) -> tree.append(name, org.eclipse.jgit.lib.FileMode.REGULAR_FILE, blob));
        org.eclipse.jgit.lib.CommitBuilder commit = new org.eclipse.jgit.lib.CommitBuilder();
        commit.setTreeId(inserter.insert(tree));
        org.eclipse.jgit.lib.PersonIdent who = new org.eclipse.jgit.lib.PersonIdent("a", "a@bottle.test");
        commit.setAuthor(who);
        commit.setCommitter(who);
        commit.setMessage(message);
        ObjectId tip = inserter.insert(commit);
        inserter.flush();
        return tip;
    }
}
