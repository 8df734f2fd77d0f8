package io.claudebottle.egress;

import io.claudebottle.dlp.Finding;
import io.claudebottle.dlp.StreamScan;
import io.netty.buffer.ByteBuf;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A request body too large to buffer whole. Its {@code Content-Encoding} is undone incrementally,
 * the decoded bytes are scanned in large batches (the scanner's per-call cost and re-scanned carry
 * are paid once per batch, not once per TLS record), and the bytes as sent are held back until
 * everything they decode to, plus {@code overlap} bytes, has been scanned: a secret split across
 * chunks is never partly forwarded before it is recognised.
 *
 * <p>Memory per body: one batch, the held raw bytes (about one batch plus the overlap) and one
 * decoded piece. A decompression bomb is refused by an absolute cap and a ratio cap on the decoded
 * size. Lives on one event loop; not thread-safe.
 */
final class StreamingBody implements AutoCloseable {
    /** Below this many decoded bytes the ratio cap does not apply (small bodies compress well). */
    static final long RATIO_FLOOR = 1 << 20;

    /** What the proxy does next with the body. */
    sealed interface Step {}

    /** Forward these raw bytes (possibly none); their ownership passes to the caller. */
    record Forward(List<ByteBuf> raw) implements Step {}

    /** A secret was found: refuse. */
    record Blocked(List<Finding> findings) implements Step {}

    /** The body cannot be read as declared, or decodes to too much: refuse. */
    record Unscannable(String reason) implements Step {}

    private record Held(ByteBuf raw, long decodedEnd) {}

    private final StreamScan scan;
    private final BodyDecoding decoding;
    private final int overlap;
    private final long maxDecoded;
    private final int maxRatio;
    private final byte[] batch;
    private int batchLength;
    private long rawTotal;
    private long decodedTotal;
    private long scannedTotal;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private Step stop;

    /**
     * @param decoding   the body's decoding, or null for identity; closed with this object
     * @param batchBytes decoded bytes handed to the scanner at once
     */
    StreamingBody(StreamScan scan, BodyDecoding decoding, int batchBytes, int overlap, long maxDecoded, int maxRatio) {
        this.scan = scan;
        this.decoding = decoding;
        this.overlap = overlap;
        this.maxDecoded = maxDecoded;
        this.maxRatio = maxRatio;
        this.batch = new byte[batchBytes];
    }

    /** Takes the next raw bytes of the body (ownership passes here); {@code last} ends the body. */
    Step offer(ByteBuf raw, boolean last) {
        if (stop != null) {
            raw.release();
            return stop;
        }
        rawTotal += raw.readableBytes();
        try {
            if (decoding == null) {
                absorb(raw.duplicate());
            } else if (raw.isReadable()) {
                decoding.feed(raw.retainedDuplicate(), this::absorbAndRelease);
            }
            held.add(new Held(raw, decodedTotal));
            if (stop != null) return stop;
            if (last) {
                if (decoding != null) decoding.finish(this::absorbAndRelease);
                if (stop != null) return stop;
                scanBatch();
                if (stop == null) found(scan.finish());
                if (stop != null) return stop;
            }
        } catch (BodyDecoding.Undecodable e) {
            stop = new Unscannable(e.getMessage());
            return stop;
        }
        return new Forward(release(last ? decodedTotal : scannedTotal - overlap));
    }

    private boolean absorbAndRelease(ByteBuf piece) {
        try {
            absorb(piece);
        } finally {
            piece.release();
        }
        return stop == null;
    }

    /** Copies decoded bytes into the batch, scanning each time it fills; does not release. */
    private void absorb(ByteBuf decoded) {
        int n = decoded.readableBytes();
        decodedTotal += n;
        if (decoding != null && decodedTotal > maxDecoded) {
            stop = new Unscannable("the body decodes to more than " + maxDecoded + " bytes; refused as a possible decompression bomb");
            return;
        }
        if (decoding != null && decodedTotal > RATIO_FLOOR && decodedTotal > (long) maxRatio * rawTotal) {
            stop = new Unscannable("the body decodes to more than " + maxRatio + " times its size; refused as a possible decompression bomb");
            return;
        }
        int from = decoded.readerIndex();
        while (n > 0 && stop == null) {
            int take = Math.min(n, batch.length - batchLength);
            decoded.getBytes(from, batch, batchLength, take);
            batchLength += take;
            from += take;
            n -= take;
            if (batchLength == batch.length) scanBatch();
        }
    }

    private void scanBatch() {
        if (batchLength == 0) return;
        List<Finding> f = scan.update(batch, 0, batchLength);
        scannedTotal += batchLength;
        batchLength = 0;
        found(f);
    }

    private void found(List<Finding> f) {
        if (!f.isEmpty() && stop == null) stop = new Blocked(f);
    }

    /** Raw bytes whose decoded content ends at or before {@code safe}; identity bodies are split exactly. */
    private List<ByteBuf> release(long safe) {
        List<ByteBuf> out = new ArrayList<>();
        while (!held.isEmpty()) {
            Held h = held.peek();
            if (h.decodedEnd() <= safe) {
                held.poll();
                if (h.raw().isReadable()) out.add(h.raw());
                else h.raw().release();
                continue;
            }
            long start = h.decodedEnd() - h.raw().readableBytes();
            if (decoding == null && safe > start) out.add(h.raw().readRetainedSlice((int) (safe - start)));
            break;
        }
        return out;
    }

    @Override
    public void close() {
        held.forEach(h -> h.raw().release());
        held.clear();
        if (decoding != null) decoding.close();
    }
}
