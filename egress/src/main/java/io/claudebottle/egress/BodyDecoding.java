package io.claudebottle.egress;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.compression.Decompressor;
import io.netty.handler.codec.compression.JdkZlibDecompressor;
import io.netty.handler.codec.compression.ZlibWrapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Undoes a request body's {@code Content-Encoding} incrementally, with Netty's push decompressors,
 * so that a body too large to buffer is still scanned as the server will read it. Each coding is
 * one stage; the codings are undone in reverse order of application. Decoded pieces are at most
 * {@link #MAX_PIECE} bytes. Not thread-safe.
 */
final class BodyDecoding implements AutoCloseable {
    static final int MAX_PIECE = 64 * 1024;

    private final List<Decompressor> stages;

    private BodyDecoding(List<Decompressor> stages) {
        this.stages = stages;
    }

    /** Thrown when the body is not valid data of its declared coding. */
    static final class Undecodable extends Exception {
        Undecodable(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The decoding for a {@code Content-Encoding} header value, or null when it is identity.
     *
     * @throws Undecodable naming the coding this proxy cannot stream-decode
     */
    static BodyDecoding of(String contentEncoding, ByteBufAllocator alloc) throws Undecodable {
        if (contentEncoding == null || contentEncoding.isBlank()) return null;
        String[] codings = contentEncoding.split(",");
        List<Decompressor> stages = new ArrayList<>();
        try {
            for (int i = codings.length - 1; i >= 0; i--) {
                String coding = codings[i].trim().toLowerCase(Locale.ROOT);
                ZlibWrapper wrapper = switch (coding) {
                    case "", "identity" -> null;
                    case "gzip", "x-gzip" -> ZlibWrapper.GZIP;
                    // RFC 9110's "deflate" is zlib-wrapped; some clients send raw DEFLATE: accept both.
                    case "deflate" -> ZlibWrapper.ZLIB_OR_NONE;
                    default -> throw new Undecodable("Content-Encoding '" + coding + "' cannot be decoded while streaming"
                            + " (gzip, deflate and identity can; a smaller body in another supported coding is decoded whole)");
                };
                if (wrapper == null) continue;
                stages.add(JdkZlibDecompressor.builder().wrapper(wrapper).decompressConcatenated(wrapper == ZlibWrapper.GZIP)
                        .maxAllocation(MAX_PIECE).build(alloc));
            }
        } catch (Undecodable | RuntimeException e) {
            stages.forEach(BodyDecoding::closeQuietly);
            throw e;
        }
        return stages.isEmpty() ? null : new BodyDecoding(stages);
    }

    /** Receives decoded pieces; releases each; returns false to stop decoding (the body is refused anyway). */
    interface Sink {
        boolean accept(ByteBuf piece);
    }

    /** Feeds encoded bytes (ownership passes to this object); each decoded piece goes to {@code out}. */
    void feed(ByteBuf encoded, Sink out) throws Undecodable {
        push(0, encoded, out);
    }

    /** Ends the input: the remaining pieces go to {@code out}; fails if any stage's data was incomplete. */
    void finish(Sink out) throws Undecodable {
        for (int i = 0; i < stages.size(); i++) {
            Decompressor d = stages.get(i);
            try {
                if (d.status() != Decompressor.Status.COMPLETE) d.endOfInput();
                if (!drain(i, out)) return;
                if (d.status() != Decompressor.Status.COMPLETE) throw new Undecodable("the compressed body ends early (truncated)");
            } catch (DecompressionException e) {
                throw undecodable(e);
            }
        }
    }

    private boolean push(int stage, ByteBuf in, Sink out) throws Undecodable {
        if (stage == stages.size()) return out.accept(in);
        Decompressor d = stages.get(stage);
        try {
            if (d.status() == Decompressor.Status.COMPLETE) {
                boolean extra = in.isReadable();
                in.release();
                if (extra) throw new Undecodable("data follows the end of the compressed body");
                return true;
            }
            d.addInput(in);
        } catch (DecompressionException e) {
            throw undecodable(e);
        }
        return drain(stage, out);
    }

    private boolean drain(int stage, Sink out) throws Undecodable {
        Decompressor d = stages.get(stage);
        int idle = 0;
        try {
            while (d.status() == Decompressor.Status.NEED_OUTPUT) {
                ByteBuf piece = d.takeOutput();
                if (!piece.isReadable()) {
                    piece.release();
                    if (++idle > 8) throw new Undecodable("the compressed body does not make progress");
                    continue;
                }
                idle = 0;
                if (!push(stage + 1, piece, out)) return false;
            }
            return true;
        } catch (DecompressionException e) {
            throw undecodable(e);
        }
    }

    private static Undecodable undecodable(DecompressionException e) {
        return new Undecodable("the body is not valid data of its Content-Encoding: " + e.getMessage());
    }

    @Override
    public void close() {
        stages.forEach(BodyDecoding::closeQuietly);
    }

    private static void closeQuietly(Decompressor d) {
        try {
            d.close();
        } catch (RuntimeException ignored) {
            // releasing buffers only; nothing to report
        }
    }
}
