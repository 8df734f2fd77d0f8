package io.claudebottle.gitgate;

import io.claudebottle.dlp.Finding;
import io.claudebottle.dlp.SecretScanner;
import io.claudebottle.dlp.StreamScan;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.BlobObjectChecker;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Scans every blob of the agent's pack while JGit's pack parser inflates it to compute its id, on
 * background threads, so the pre-receive scan need not inflate the blobs a second time and the
 * DLP engine runs while the pack is still arriving. A result is keyed by the id the parser
 * computed from exactly the bytes that were scanned; two different contents under one id (a SHA-1
 * collision) have both their findings kept.
 *
 * <p>It is plugged in as the parser's {@link ObjectChecker} but checks nothing itself: the gate never
 * validated received objects (no fsck), and still does not. Which blobs a push adds, and so which
 * results count, is decided afterwards by {@link PushScanner}; a new blob the pack did not carry is
 * read and scanned there.
 */
final class ReceivedBlobScan extends ObjectChecker implements AutoCloseable {
    /** Inflated blobs waiting for a scan thread, at most; the parser waits beyond that. */
    static final int MAX_PENDING_BYTES = 64 << 20;
    private static final int STREAM_CHUNK = 1 << 20;

    private final SecretScanner scanner;
    private final ExecutorService pool;
    private final Semaphore pendingBytes = new Semaphore(MAX_PENDING_BYTES);
    private final Map<ObjectId, List<Finding>> results = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Future<?>> tasks = new ConcurrentLinkedQueue<>();

    ReceivedBlobScan(SecretScanner scanner) {
        this.scanner = scanner;
        this.pool = Executors.newFixedThreadPool(PushScanner.PARALLELISM, Thread.ofPlatform().name("git-gate-scan-", 0).daemon().factory());
    }

    /** Whole objects and delta results arrive here; JGit hands each a fresh array it never changes. */
    @Override
    public void check(AnyObjectId id, int objType, byte[] raw) {
        if (objType != Constants.OBJ_BLOB) return;
        if (raw.length <= PushScanner.WHOLE_BLOB_LIMIT) {
            submit(id.copy(), raw, raw.length);
            return;
        }
        Collector chunks = new Collector();
        for (int offset = 0; offset < raw.length; offset += STREAM_CHUNK) {
            chunks.update(raw, offset, Math.min(STREAM_CHUNK, raw.length - offset));
        }
        chunks.endBlob(id);
    }

    @Override
    public void check(int objType, byte[] raw) {
        // Without an id there is nothing to key the result by; PushScanner reads such a blob itself.
    }

    /** Blobs stored whole in the pack arrive as a stream of chunks in a buffer the parser reuses. */
    @Override
    public BlobObjectChecker newBlobObjectChecker() {
        return new Collector();
    }

    /**
     * Waits for every scan started so far and returns the findings per blob id (an empty list for a
     * clean blob).
     *
     * @throws IOException if a scan failed: the push must then be refused, never waved through
     */
    Map<ObjectId, List<Finding>> results() throws IOException {
        for (Future<?> task; (task = tasks.poll()) != null; ) {
            try {
                task.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("scan interrupted", e);
            } catch (ExecutionException e) {
                throw new IOException("scan of a received blob failed: " + e.getCause(), e.getCause());
            }
        }
        return results;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    private void submit(ObjectId id, byte[] content, int length) {
        int permits = Math.min(length, MAX_PENDING_BYTES);
        pendingBytes.acquireUninterruptibly(permits);
        try {
            tasks.add(pool.submit(() -> {
                try {
                    record(id, scanner.scan(length == content.length ? content : Arrays.copyOf(content, length)));
                } finally {
                    pendingBytes.release(permits);
                }
            }));
        } catch (RuntimeException rejected) {
            pendingBytes.release(permits);
            throw rejected;
        }
    }

    private void record(ObjectId id, List<Finding> found) {
        results.merge(id, List.copyOf(found), (a, b) -> {
            List<Finding> both = new ArrayList<>(a);
            both.addAll(b);
            return List.copyOf(both);
        });
    }

    /**
     * Gathers one blob's chunks; up to {@link PushScanner#WHOLE_BLOB_LIMIT} it is scanned in one
     * piece on a scan thread, beyond that it is streamed through the scanner on the parser's
     * thread, in bounded memory, exactly as {@link PushScanner} treats a blob it reads itself.
     */
    private final class Collector implements BlobObjectChecker {
        private byte[] buffer = new byte[8192];
        private int size;
        private StreamScan stream;
        private final List<Finding> streamed = new ArrayList<>();

        @Override
        public void update(byte[] in, int offset, int length) {
            if (stream != null) {
                streamed.addAll(stream.update(in, offset, length));
                return;
            }
            if (size + length > PushScanner.WHOLE_BLOB_LIMIT) {
                stream = scanner.stream();
                streamed.addAll(stream.update(buffer, 0, size));
                streamed.addAll(stream.update(in, offset, length));
                buffer = null;
                return;
            }
            if (size + length > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.min(PushScanner.WHOLE_BLOB_LIMIT, Math.max(size + length, buffer.length * 2)));
            }
            System.arraycopy(in, offset, buffer, size, length);
            size += length;
        }

        @Override
        public void endBlob(AnyObjectId id) {
            if (stream != null) {
                streamed.addAll(stream.finish());
                record(id.copy(), streamed);
            } else {
                submit(id.copy(), buffer, size);
            }
        }
    }
}
