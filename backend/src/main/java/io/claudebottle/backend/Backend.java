package io.claudebottle.backend;

import java.util.List;

/**
 * Brings bottles up and down. One implementation per isolation technology (Docker today; a
 * Docker-free Linux backend and smolmachines later), all driven by the same {@link BottleLaunch}.
 */
public interface Backend extends AutoCloseable {

    /** Short name shown in the preflight and in {@code bottle ps}, e.g. {@code docker}. */
    String name();

    /**
     * Creates the bottle (networks, sidecar, agent) and waits until the sidecar is healthy. The
     * agent process is created but only runs once {@link RunningBottle#runAgent} is called. On any
     * failure everything created so far is removed before the exception propagates.
     */
    RunningBottle start(BottleLaunch launch, Progress progress);

    /** Bottles that currently exist, whether or not their launcher is still alive. */
    List<BottleInfo> list();

    /** Removes every object of one bottle; returns false when nothing carried its id. */
    boolean stop(String bottleId);

    /** Removes what launchers that died without cleaning up left behind; returns the bottle ids removed. */
    List<String> gc();

    /** Bottles whose launcher is gone but whose objects are still there (what {@link #gc} would remove). */
    List<BottleInfo> leftovers();

    @Override
    void close();

    /** Human-readable progress lines (image builds, bottle start); the CLI prints them to stderr. */
    @FunctionalInterface
    interface Progress {
        void step(String message);

        Progress SILENT = message -> { };
    }
}
