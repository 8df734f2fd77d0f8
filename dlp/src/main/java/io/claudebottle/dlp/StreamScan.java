package io.claudebottle.dlp;

import java.util.List;

/**
 * Scans a payload that arrives in chunks, in bounded memory, catching secrets that straddle
 * chunk boundaries. Not thread-safe: one instance per stream.
 */
public interface StreamScan {
    /** Feeds the next chunk; returns findings completed by it (possibly empty). */
    List<Finding> update(byte[] chunk, int offset, int length);

    /** Ends the stream; returns findings that only the end of input could complete. */
    List<Finding> finish();
}
