package io.claudebottle.sidecar;

import java.time.Duration;
import java.time.Instant;

/**
 * Opt-in phase stamps of a bottle's start ({@code -Dbottle.trace=start}), for the start-up
 * benchmark: each mark prints the wall time since launch and this process's CPU time so far to
 * stderr, so that a figure taken on a loaded machine still shows where the CPU went. Launch is
 * {@code -Dbottle.trace.t0} (epoch ms, the benchmark's own clock before it ran {@code java}), else
 * the process start. Off, a mark costs one field read.
 */
public final class StartTrace {

    private static final boolean ON = "start".equals(System.getProperty("bottle.trace"));
    private static final long T0 = ON ? launchMillis() : 0;

    private StartTrace() {
    }

    /** Whether marks are printed. */
    public static boolean on() {
        return ON;
    }

    /** Prints {@code phase} with the wall ms since launch and the CPU ms this process has used. */
    public static void mark(String phase) {
        if (ON) {
            long now = System.currentTimeMillis(); // before the CPU read: its first call is slow on a cold JVM
            long cpu = ProcessHandle.current().info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
            System.err.printf("trace %6d ms  cpu %6d ms  %s%n", now - T0, cpu, phase);
        }
    }

    /**
     * Prints the CPU ms each thread of this process has used so far (Linux {@code /proc}), the
     * busiest first: which part of a start's CPU is the JIT, the GC or the start itself.
     */
    public static void threads() {
        if (!ON) {
            return;
        }
        java.util.Map<String, Long> byName = new java.util.TreeMap<>();
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            for (java.nio.file.Path task : tasks.toList()) {
                try {
                    String stat = java.nio.file.Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                            .replaceAll("[0-9]+$", "#").replaceAll("-[0-9a-f]{6}$", "");
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime + stime
                    byName.merge(name, ticks * 10, Long::sum); // USER_HZ is 100 on Linux
                } catch (java.io.IOException | RuntimeException gone) {
                    // the thread ended while we listed
                }
            }
        } catch (java.io.IOException e) {
            return;
        }
        byName.entrySet().stream().filter(e -> e.getValue() > 0)
                .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> System.err.printf("trace   thread cpu %6d ms  %s%n", e.getValue(), e.getKey()));
    }

    private static long launchMillis() {
        String t0 = System.getProperty("bottle.trace.t0");
        if (t0 != null && t0.matches("\\d{13}")) {
            return Long.parseLong(t0);
        }
        return ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(System.currentTimeMillis());
    }
}
