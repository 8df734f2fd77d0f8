package io.claudebottle.gitgate;

import io.claudebottle.dlp.Finding;
import io.claudebottle.dlp.SecretScanner;
import io.claudebottle.dlp.StreamScan;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.ObjectStream;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevSort;
import org.eclipse.jgit.revwalk.RevTag;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Finds secrets in what a push would add to the upstream: every blob, commit message and tag
 * message new to the upstream's refs, in every pushed commit (not only the tip), as whole contents
 * (not only added lines). Work is proportional to the new commits and what they change: trees are
 * compared with their parents' and identical subtrees are never entered.
 */
final class PushScanner {
    /** Blobs up to this size are scanned in one piece; larger ones are streamed in bounded memory. */
    static final int WHOLE_BLOB_LIMIT = 32 << 20;
    static final int PARALLELISM = Math.min(8, Runtime.getRuntime().availableProcessors());
    private static final int STREAM_CHUNK = 1 << 20;

    private final SecretScanner scanner;

    PushScanner(SecretScanner scanner) {
        this.scanner = scanner;
    }

    /**
     * New means not reachable from the upstream's refs: a commit the upstream once had but no longer
     * references (history scrubbed of a leak) is scanned again when pushed back. A blob is attributed
     * to a new commit when it differs from that path in every parent, so a merge does not rescan what
     * either side already brought.
     *
     * @param pushed       repository that holds the pushed objects (and sees the mirror's via alternates)
     * @param commands     the ref updates of the push; deletions carry nothing to scan
     * @param upstreamTips the upstream's ref tips: history reachable from them is not new
     * @param received     findings per blob id for blobs scanned as they were received
     *                     ({@link ReceivedBlobScan}), awaited only after the walk, so that the walk runs
     *                     while the last of those scans finish; any other new blob is read and scanned here
     */
    Result scan(Repository pushed, Collection<ReceiveCommand> commands, Set<ObjectId> upstreamTips,
                ScannedOnArrival received) throws IOException {
        long start = System.nanoTime();
        List<NewContent> contents = new ArrayList<>();
        walk(pushed, commands, upstreamTips, contents);
        long walked = System.nanoTime();
        Map<ObjectId, List<Finding>> scannedOnArrival = received.await();
        long awaited = System.nanoTime();
        List<List<PushFinding>> perItem = new ArrayList<>(contents.size());
        List<Integer> toRead = new ArrayList<>();
        int blobs = 0;
        for (NewContent content : contents) {
            if (content instanceof NewBlob blob) {
                blobs++;
                List<Finding> known = scannedOnArrival.get(blob.id());
                if (known != null) {
                    perItem.add(known.stream().map(f -> new PushFinding(f.ruleId(), blob.path(), blob.commit(), f.line(), f.excerpt())).toList());
                    continue;
                }
            }
            toRead.add(perItem.size());
            perItem.add(List.of());
        }
        List<List<PushFinding>> read = scanAll(pushed, toRead.stream().map(contents::get).toList());
        for (int i = 0; i < toRead.size(); i++) perItem.set(toRead.get(i), read.get(i));
        int blobsRead = (int) toRead.stream().filter(i -> contents.get(i) instanceof NewBlob).count();
        List<PushFinding> findings = perItem.stream().flatMap(List::stream).toList();
        return new Result(findings, blobs, blobsRead, (walked - start) / 1_000_000, (awaited - walked) / 1_000_000,
                (System.nanoTime() - awaited) / 1_000_000);
    }

    /** {@link #scan(Repository, Collection, Set, ScannedOnArrival)} with results that are already complete. */
    Result scan(Repository pushed, Collection<ReceiveCommand> commands, Set<ObjectId> upstreamTips,
                Map<ObjectId, List<Finding>> received) throws IOException {
        return scan(pushed, commands, upstreamTips, () -> received);
    }

    /** Findings per blob id of the blobs scanned as they arrived; blocks until those scans are done. */
    @FunctionalInterface
    interface ScannedOnArrival {
        /** @throws IOException if a scan failed: the push must then be refused, never waved through */
        Map<ObjectId, List<Finding>> await() throws IOException;
    }

    /**
     * @param findings   what was found, in walk order
     * @param blobs      how many new blobs the push adds
     * @param blobsRead  how many of them were read and scanned after the pack was received (the
     *                   others were scanned as they arrived)
     * @param walkMillis time to find what is new
     * @param waitMillis time then spent waiting for the scans of blobs as they arrived
     * @param blobMillis time to read and scan what was not scanned on arrival (and commit and tag messages)
     */
    record Result(List<PushFinding> findings, int blobs, int blobsRead, long walkMillis, long waitMillis, long blobMillis) {
    }

    /** Something the upstream lacks, with the first place the push introduces it. */
    private sealed interface NewContent permits NewBlob, NewText {
    }

    /** A blob, read when it is scanned. */
    private record NewBlob(ObjectId id, String path, String commit) implements NewContent {
    }

    /** A commit or tag object's raw text (its message, author, committer). */
    private record NewText(byte[] raw, String label, String commit) implements NewContent {
    }

    private void walk(Repository pushed, Collection<ReceiveCommand> commands, Set<ObjectId> upstreamTips,
                      List<NewContent> contents) throws IOException {
        Set<ObjectId> seen = new HashSet<>();
        try (ObjectReader reader = pushed.newObjectReader(); RevWalk walk = new RevWalk(reader)) {
            boolean anyStart = false;
            for (ReceiveCommand command : commands) {
                if (command.getType() == ReceiveCommand.Type.DELETE) continue;
                RevObject target = walk.parseAny(command.getNewId());
                while (target instanceof RevTag tag) {
                    if (seen.add(tag.copy())) {
                        contents.add(new NewText(tag.getRawBuffer(), "(tag message)", tag.abbreviate(10).name()));
                    }
                    target = walk.parseAny(tag.getObject());
                }
                switch (target) {
                    case RevCommit commit -> {
                        walk.markStart(commit);
                        anyStart = true;
                    }
                    case RevTree tree -> collectTree(reader, tree, "(tree of " + command.getRefName() + ")", seen, contents);
                    default -> collectBlob(target, "(blob " + command.getRefName() + ")", "-", seen, contents);
                }
            }
            if (!anyStart) return;
            for (ObjectId tip : upstreamTips) {
                RevObject known;
                try {
                    known = walk.peel(walk.parseAny(tip));
                } catch (MissingObjectException e) {
                    continue;
                }
                if (known instanceof RevCommit commit) walk.markUninteresting(commit);
            }
            walk.sort(RevSort.TOPO, true);
            walk.sort(RevSort.REVERSE, true); // oldest first: a secret is blamed on the commit that introduced it
            for (RevCommit commit; (commit = walk.next()) != null; ) {
                String abbrev = commit.abbreviate(10).name();
                contents.add(new NewText(commit.getRawBuffer(), "(commit message)", abbrev));
                try (TreeWalk tree = new TreeWalk(reader)) {
                    tree.setRecursive(true);
                    tree.addTree(commit.getTree());
                    for (RevCommit parent : commit.getParents()) {
                        walk.parseHeaders(parent);
                        tree.addTree(parent.getTree());
                    }
                    if (commit.getParentCount() > 0) tree.setFilter(TreeFilter.ANY_DIFF);
                    while (tree.next()) {
                        if (tree.getFileMode(0).getObjectType() != Constants.OBJ_BLOB) continue; // gitlinks, deletions
                        if (sameAsSomeParent(tree)) continue;
                        collectBlob(tree.getObjectId(0), tree.getPathString(), abbrev, seen, contents);
                    }
                }
            }
        }
    }

    private static boolean sameAsSomeParent(TreeWalk tree) {
        for (int parent = 1; parent < tree.getTreeCount(); parent++) {
            if (tree.idEqual(0, parent)) return true;
        }
        return false;
    }

    private static void collectTree(ObjectReader reader, RevTree root, String label, Set<ObjectId> seen,
                                    List<NewContent> contents) throws IOException {
        try (TreeWalk tree = new TreeWalk(reader)) {
            tree.setRecursive(true);
            tree.addTree(root);
            while (tree.next()) {
                if (tree.getFileMode(0) == FileMode.GITLINK) continue;
                collectBlob(tree.getObjectId(0), tree.getPathString(), label, seen, contents);
            }
        }
    }

    private static void collectBlob(AnyObjectId id, String path, String commit, Set<ObjectId> seen, List<NewContent> contents) {
        ObjectId blob = id.copy();
        if (seen.add(blob)) contents.add(new NewBlob(blob, path, commit));
    }

    /**
     * Scans {@code contents} on up to {@link #PARALLELISM} threads (each with its own reader), and
     * returns the findings of each item, in the order of {@code contents}.
     */
    private List<List<PushFinding>> scanAll(Repository pushed, List<NewContent> contents) throws IOException {
        int threads = Math.min(PARALLELISM, Math.max(1, contents.size() / 8));
        AtomicReferenceArray<List<PushFinding>> perItem = new AtomicReferenceArray<>(contents.size());
        if (threads <= 1) {
            scanStripe(pushed, contents, perItem, 0, 1);
        } else {
            try (ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("git-gate-scan-", 0).factory())) {
                List<Future<?>> stripes = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int first = t;
                    stripes.add(pool.submit(() -> {
                        scanStripe(pushed, contents, perItem, first, threads);
                        return null;
                    }));
                }
                for (Future<?> stripe : stripes) {
                    try {
                        stripe.get();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("scan interrupted", e);
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof IOException io) throw io;
                        throw new IOException("scan failed: " + e.getCause(), e.getCause());
                    }
                }
            }
        }
        List<List<PushFinding>> findings = new ArrayList<>(perItem.length());
        for (int i = 0; i < perItem.length(); i++) {
            findings.add(perItem.get(i) == null ? List.of() : perItem.get(i));
        }
        return findings;
    }

    private void scanStripe(Repository pushed, List<NewContent> contents, AtomicReferenceArray<List<PushFinding>> perItem, int first, int step)
            throws IOException {
        try (ObjectReader reader = pushed.newObjectReader()) {
            for (int i = first; i < contents.size(); i += step) {
                List<PushFinding> found = new ArrayList<>();
                switch (contents.get(i)) {
                    case NewBlob blob -> scanBlob(reader, blob.id(), blob.path(), blob.commit(), found);
                    case NewText text -> scanBytes(text.raw(), text.label(), text.commit(), found);
                }
                if (!found.isEmpty()) perItem.set(i, found);
            }
        }
    }

    private void scanBlob(ObjectReader reader, AnyObjectId id, String path, String commit, List<PushFinding> findings)
            throws IOException {
        ObjectLoader loader = reader.open(id, Constants.OBJ_BLOB);
        if (loader.getSize() <= WHOLE_BLOB_LIMIT) {
            scanBytes(loader.getCachedBytes(WHOLE_BLOB_LIMIT), path, commit, findings);
            return;
        }
        StreamScan stream = scanner.stream();
        byte[] buffer = new byte[STREAM_CHUNK];
        List<Finding> found = new ArrayList<>();
        try (ObjectStream in = loader.openStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                found.addAll(stream.update(buffer, 0, n));
            }
        }
        found.addAll(stream.finish());
        found.forEach(f -> findings.add(new PushFinding(f.ruleId(), path, commit, f.line(), f.excerpt())));
    }

    private void scanBytes(byte[] content, String path, String commit, List<PushFinding> findings) {
        for (Finding f : scanner.scan(content)) {
            findings.add(new PushFinding(f.ruleId(), path, commit, f.line(), f.excerpt()));
        }
    }
}
