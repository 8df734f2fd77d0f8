package io.claudebottle.gitgate;

/** Receives every decision of the gate; must be thread-safe and must not block for long. */
@FunctionalInterface
public interface GitGateAudit {
    GitGateAudit NONE = event -> { };

    void record(GitGateEvent event);

    /** Whether a decision can be recorded now: while it cannot, the gate forwards nothing upstream. */
    default boolean writable() {
        return true;
    }
}
