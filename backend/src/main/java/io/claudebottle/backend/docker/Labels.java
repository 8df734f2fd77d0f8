package io.claudebottle.backend.docker;

import java.time.Instant;
import java.util.Map;

/** The labels on every object a bottle creates; {@code gc}, {@code ps} and {@code stop} find bottles by them. */
final class Labels {

    static final String BOTTLE_ID = "io.claudebottle.bottle-id";
    static final String ROLE = "io.claudebottle.role";
    static final String AGENT = "io.claudebottle.agent";
    static final String BOTTLE = "io.claudebottle.bottle";
    static final String LAUNCHER = "io.claudebottle.launcher";
    static final String CREATED = "io.claudebottle.created";
    static final String RUNTIME = "io.claudebottle.runtime";

    private Labels() {
    }

    static Map<String, String> of(String bottleId, String role, String agent, String bottle, String runtime) {
        return Map.of(BOTTLE_ID, bottleId, ROLE, role, AGENT, agent, BOTTLE, bottle,
                LAUNCHER, Launcher.current(), CREATED, Long.toString(Instant.now().getEpochSecond()), RUNTIME, runtime);
    }

    /** Identifies the launching process as {@code boot-id:pid}, so a dead launcher is recognisable. */
    static final class Launcher {
        private Launcher() {
        }

        static String current() {
            return bootId() + ":" + ProcessHandle.current().pid();
        }

        /** True when the launcher named by a label is still running on this machine (same boot). */
        static boolean alive(String label) {
            if (label == null) {
                return false;
            }
            int colon = label.lastIndexOf(':');
            if (colon < 0 || !label.substring(0, colon).equals(bootId())) {
                return false;
            }
            try {
                long pid = Long.parseLong(label.substring(colon + 1));
                return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                        && ProcessHandle.of(pid).flatMap(h -> h.info().command()).map(c -> c.contains("java")).orElse(true);
            } catch (NumberFormatException e) {
                return false;
            }
        }

        private static String bootId() {
            try {
                return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/random/boot_id")).strip();
            } catch (java.io.IOException e) {
                return "unknown-boot";
            }
        }
    }
}
