package io.claudebottle.backend.nativ;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark, not a test (surefire's default includes skip it; {@code bench/native.sh} runs it):
 * from the launcher's call to the agent command printing its first line, for a full native
 * sandbox (bwrap and the unshare fallback, with and without three listeners bound inside),
 * against a bare {@code bwrap --ro-bind / / true} spawned from the same JVM.
 */
class NativeSandboxBench {

    private static final int WARMUP = 5;
    private static final int RUNS = 30;

    @TempDir
    Path temp;

    @Test
    void bench() throws Exception {
        assumeTrue(Boolean.getBoolean("bottle.bench"), "benchmark: run bench/native.sh");
        Path work = Files.createDirectories(temp.resolve("work"));
        List<String> rows = new ArrayList<>();
        if (SandboxTool.BWRAP.available()) {
            rows.add(row("bare bwrap --ro-bind / / true", measure(() -> {
                long start = System.nanoTime();
                Process p = new ProcessBuilder(SandboxTool.executable("bwrap").orElseThrow().toString(),
                        "--ro-bind", "/", "/", "true").start();
                p.waitFor();
                return System.nanoTime() - start;
            })));
        }
        for (SandboxTool tool : SandboxTool.values()) {
            if (!tool.available()) {
                rows.add(String.format(Locale.ROOT, "%-46s not installed", tool.name().toLowerCase(Locale.ROOT) + " sandbox"));
                continue;
            }
            rows.add(row(tool.name().toLowerCase(Locale.ROOT) + " sandbox, start to command",
                    measure(() -> startToCommand(work, tool, false))));
            rows.add(row(tool.name().toLowerCase(Locale.ROOT) + " sandbox + 3 listeners (" + NetnsListeners.method() + ")",
                    measure(() -> startToCommand(work, tool, true))));
        }
        double[] bottle = measure(() -> bottleStartToCommand(temp.resolve("bottles"), work), 1, 5);
        rows.add(row("native bottle (sidecar services + sandbox + relay)", bottle));
        System.out.println();
        System.out.printf(Locale.ROOT, "native sandbox start (%d runs after %d warm-up; ms)%n", RUNS, WARMUP);
        System.out.printf(Locale.ROOT, "%-46s %8s %8s %8s%n", "", "median", "p90", "min");
        rows.forEach(System.out::println);
    }

    /** Nanoseconds from the launch call to the command's first line; teardown is not counted. */
    private static long startToCommand(Path work, SandboxTool tool, boolean listeners) throws Exception {
        long start = System.nanoTime();
        try (Sandbox sandbox = NamespaceSandbox.launch(SandboxSpec.of(List.of("echo", "started"), work, "/home/agent"), tool)) {
            if (listeners) {
                NetnsListeners.closeAll(NetnsListeners.bindAll(sandbox.pid(), List.of(3128, 9099, 9418)));
            }
            sandbox.startCommand();
            String line = new BufferedReader(new InputStreamReader(sandbox.process().getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
            long elapsed = System.nanoTime() - start;
            if (!"started".equals(line)) {
                throw new IllegalStateException("the command did not run: " + line);
            }
            return elapsed;
        }
    }

    /**
     * Wall-clock milliseconds (in ns) from {@link NativeBackend#start} to the agent command running,
     * the sidecar services (in this JVM) included; teardown is not counted.
     */
    private static long bottleStartToCommand(Path state, Path work) throws Exception {
        var config = tools.jackson.databind.json.JsonMapper.builder().build().createObjectNode();
        config.putObject("egress").putArray("allowlist");
        var launch = new io.claudebottle.backend.BottleLaunch("bench", "bench", config, java.util.Map.of(),
                java.util.Map.of(), java.util.Map.of(), java.util.Map.of(), java.util.Map.of(),
                List.of("date", "+%s%N"), false, java.util.Optional.empty(),
                new io.claudebottle.backend.BottleLaunch.Images("none", "none"));
        NativeBackend backend = new NativeBackend(state, work, SandboxTool.detect());
        long start = System.currentTimeMillis() * 1_000_000L;
        try (var running = backend.start(launch, io.claudebottle.backend.Backend.Progress.SILENT)) {
            String out = running.runAgent(java.time.Duration.ofSeconds(30)).stdout().strip();
            return Long.parseLong(out) - start;
        }
    }

    private static double[] measure(Run run, int warmup, int runs) throws Exception {
        for (int i = 0; i < warmup; i++) {
            run.run();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            ms[i] = run.run() / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    interface Run {
        /** One run; returns the nanoseconds to count. */
        long run() throws Exception;
    }

    private static double[] measure(Run run) throws Exception {
        for (int i = 0; i < WARMUP; i++) {
            run.run();
        }
        double[] ms = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            ms[i] = run.run() / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    private static String row(String name, double[] sorted) {
        return String.format(Locale.ROOT, "%-46s %8.1f %8.1f %8.1f", name, sorted[sorted.length / 2],
                sorted[(int) Math.ceil(sorted.length * 0.9) - 1], sorted[0]);
    }
}
