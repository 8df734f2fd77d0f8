package io.claudebottle.egress;

import java.time.Duration;

/**
 * Resource limits of the proxy.
 *
 * @param maxHeaderBytes       request line plus headers; larger requests get 431
 * @param maxBodyBufferBytes   a body up to this size is scanned whole (decoded, fields extracted)
 *                             before any byte of it is forwarded; a larger one is streamed
 *                             through the scanner holding back {@code scanOverlapBytes}
 * @param scanOverlapBytes     bytes held back while streaming, so a secret split across chunks
 *                             is never partly forwarded before it is recognised
 * @param headTimeout          time a client has to send a complete request head (slowloris)
 * @param idleTimeout          a connection with no traffic either way for this long is closed
 * @param connectTimeout       upstream TCP connect timeout
 * @param maxConnections       concurrent client connections; more are refused with 503
 * @param maxDecodedBodyBytes  a streamed body with a Content-Encoding that decodes to more than
 *                             this is refused (decompression bomb)
 * @param maxDecodeRatio       ... or that decodes to more than this many times its encoded size,
 *                             once past {@link StreamingBody#RATIO_FLOOR} decoded bytes
 */
public record Limits(int maxHeaderBytes, int maxBodyBufferBytes, int scanOverlapBytes,
                     Duration headTimeout, Duration idleTimeout, Duration connectTimeout, int maxConnections,
                     long maxDecodedBodyBytes, int maxDecodeRatio) {

    public Limits {
        if (maxHeaderBytes < 1024) throw new IllegalArgumentException("maxHeaderBytes must be >= 1024");
        if (scanOverlapBytes < 64) throw new IllegalArgumentException("scanOverlapBytes must be >= 64");
        if (maxBodyBufferBytes < 2 * scanOverlapBytes)
            throw new IllegalArgumentException("maxBodyBufferBytes must be >= 2 * scanOverlapBytes");
        if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be >= 1");
        if (maxDecodedBodyBytes < maxBodyBufferBytes)
            throw new IllegalArgumentException("maxDecodedBodyBytes must be >= maxBodyBufferBytes");
        if (maxDecodeRatio < 2) throw new IllegalArgumentException("maxDecodeRatio must be >= 2");
    }

    /** Decoded bytes handed to the scanner at once while streaming: large, so per-call costs vanish. */
    int scanBatchBytes() {
        return Math.max(scanOverlapBytes, maxBodyBufferBytes / 4);
    }

    public static Limits defaults() {
        return new Limits(32 * 1024, 1024 * 1024, 8 * 1024,
                Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(10), 1024, 1L << 30, 200);
    }

    public Limits withHeadTimeout(Duration d) {
        return new Limits(maxHeaderBytes, maxBodyBufferBytes, scanOverlapBytes, d, idleTimeout, connectTimeout, maxConnections,
                maxDecodedBodyBytes, maxDecodeRatio);
    }

    public Limits withMaxConnections(int n) {
        return new Limits(maxHeaderBytes, maxBodyBufferBytes, scanOverlapBytes, headTimeout, idleTimeout, connectTimeout, n,
                maxDecodedBodyBytes, maxDecodeRatio);
    }

    public Limits withDecodeBounds(long maxDecodedBytes, int maxRatio) {
        return new Limits(maxHeaderBytes, maxBodyBufferBytes, scanOverlapBytes, headTimeout, idleTimeout, connectTimeout,
                maxConnections, maxDecodedBytes, maxRatio);
    }

    public Limits withBodyBuffer(int bufferBytes, int overlapBytes) {
        return new Limits(maxHeaderBytes, bufferBytes, overlapBytes, headTimeout, idleTimeout, connectTimeout, maxConnections,
                maxDecodedBodyBytes, maxDecodeRatio);
    }
}
