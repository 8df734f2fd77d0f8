package io.claudebottle.cli;

/**
 * The training run behind {@code ./bottle}'s JDK AOT cache (see {@code scripts/env.sh}): a native
 * bottle start, which needs no engine, and a {@code bottle ps}, which opens the Docker engine
 * connection (and lists, when an engine answers). Classes a run never loads stay out of the cache
 * and are read from the jars on every start; docker-java's were a second of a Docker start's CPU.
 * {@code args}: the agent to start (a throwaway manifest home is set up by the caller).
 */
public final class AotTraining {

    private AotTraining() {
    }

    public static void main(String[] args) {
        BottleCli.run("start", "--yes", "--backend", "native", "--command", "true", args[0]);
        BottleCli.run("ps");
        System.exit(0);
    }
}
