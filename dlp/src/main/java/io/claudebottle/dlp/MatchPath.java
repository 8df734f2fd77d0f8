package io.claudebottle.dlp;

/** Which prefilter finds candidate matches before RE2J confirms them. Both report the same findings. */
public enum MatchPath {
    /** Hyperscan (native, SIMD) over the whole input. */
    HYPERSCAN,
    /** Keyword search in Java; used when the native library cannot load. */
    PURE_JAVA;

    /** The fastest path that works on this machine. */
    public static MatchPath best() {
        return HyperscanPrefilter.unavailableReason() == null && !Boolean.getBoolean("bottle.dlp.pureJava") ? HYPERSCAN : PURE_JAVA;
    }

    /** Why {@link #HYPERSCAN} cannot run here, or null when it can. */
    public static String hyperscanUnavailableReason() {
        return HyperscanPrefilter.unavailableReason();
    }
}
