package io.claudebottle.egress;

import io.claudebottle.dlp.Finding;
import io.claudebottle.dlp.SecretScanner;
import io.netty.buffer.ByteBuf;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A request body too large to buffer whole. Its {@code Content-Encoding} is undone incrementally,
 * and the decoded bytes are scanned in large windows (the scanner's per-call cost is paid once per
 * window, not once per TLS record). Each window starts with the last {@code overlap} bytes of the
 * one before (the carry), so a secret up to that long that straddles a boundary is seen whole in
 * one window. The bytes as sent are held back until everything they decode to has been scanned and
 * has left the carry: a secret split across chunks is never partly forwarded before it is
 * recognised.
 *
 * <p>Windows go to {@link SecretScanner#scan(byte[])}, whose bytes need no copy into a stream
 * scanner's own window (measured: 1.8x the MB per CPU-second of {@code stream()} on 256 KiB
 * windows). A finding anywhere blocks the body, so findings repeated by the overlap do not matter.
 *
 * <p>Memory per body: one window, the held raw bytes (about one window) and one decoded piece. A
 * decompression bomb is refused by an absolute cap and a ratio cap on the decoded size. Lives on
 * one event loop; not thread-safe.
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

    private final SecretScanner scanner;
    private final BodyDecoding decoding;
    private final int overlap;
    private final long maxDecoded;
    private final int maxRatio;
    /** The carry (bytes already scanned once, at the front) followed by bytes not scanned yet. */
    private final byte[] window;
    private int windowLength;
    private int carryLength;
    /** Decoded bytes copied into windows so far: the offset of the window's end. */
    private long windowEnd;
    private long rawTotal;
    private long decodedTotal;
    /** Decoded bytes before this offset were scanned and have left the carry: safe to forward. */
    private long safeTotal;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private Step stop;

    /**
     * @param decoding   the body's decoding, or null for identity; closed with this object
     * @param batchBytes new decoded bytes per window (each window also holds the carry)
     */
    StreamingBody(SecretScanner scanner, BodyDecoding decoding, int batchBytes, int overlap, long maxDecoded, int maxRatio) {
        this.scanner = scanner;
        this.decoding = decoding;
        this.overlap = overlap;
        this.maxDecoded = maxDecoded;
        this.maxRatio = maxRatio;
        this.window = new byte[batchBytes + overlap];
    }

    /** Takes the next raw bytes of the body (ownership passes here); {@code last} ends the body. */
    Step offer(ByteBuf raw, boolean last) {
        if (stop != null) {
            raw.release();
            return stop;
        }
        rawTotal += raw.readableBytes();
        boolean isHeld = false;
        try {
            if (decoding == null) {
                absorb(raw.duplicate());
            } else if (raw.isReadable()) {
                decoding.feed(raw.retainedDuplicate(), this::absorbAndRelease);
            }
            held.add(new Held(raw, decodedTotal));
            isHeld = true;
            if (stop != null) return stop;
            if (last) {
                if (decoding != null) decoding.finish(this::absorbAndRelease);
                if (stop != null) return stop;
                if (windowLength > carryLength) scan(Arrays.copyOf(window, windowLength));
                if (stop != null) return stop;
                safeTotal = decodedTotal;
            }
        } catch (BodyDecoding.Undecodable e) {
            if (!isHeld) raw.release();
            stop = new Unscannable(e.getMessage());
            return stop;
        } catch (RuntimeException | Error scannerFailed) { // the caller refuses the body; the bytes go nowhere
            if (!isHeld) raw.release();
            throw scannerFailed;
        }
        return new Forward(release(safeTotal));
    }

    private boolean absorbAndRelease(ByteBuf piece) {
        try {
            absorb(piece);
        } finally {
            piece.release();
        }
        return stop == null;
    }

    /** Copies decoded bytes into the window, scanning each time it fills; does not release. */
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
            int take = Math.min(n, window.length - windowLength);
            decoded.getBytes(from, window, windowLength, take);
            windowLength += take;
            windowEnd += take;
            from += take;
            n -= take;
            if (windowLength == window.length) scanFullWindow();
        }
    }

    /** Scans the full window, then keeps its last {@code overlap} bytes as the next window's carry. */
    private void scanFullWindow() {
        scan(window);
        if (stop != null) return;
        int keepFrom = window.length - overlap;
        // The carry starts on a UTF-8 character boundary, so the next window decodes as this one did.
        while (keepFrom < window.length && (window[keepFrom] & 0xC0) == 0x80) keepFrom++;
        carryLength = window.length - keepFrom;
        System.arraycopy(window, keepFrom, window, 0, carryLength);
        windowLength = carryLength;
        safeTotal = windowEnd - carryLength;
    }

    private void scan(byte[] bytes) {
        List<Finding> f = scanner.scan(bytes);
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
