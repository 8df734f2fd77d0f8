package io.claudebottle.bench;

import io.claudebottle.dlp.Finding;
import io.claudebottle.dlp.MatchPath;
import io.claudebottle.dlp.RuleFile;
import io.claudebottle.dlp.SecretScanner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Scans a {@link DlpCorpus} directory on one thread with one match path and prints one line:
 * {@code path MB/s-per-core MB/s-wall}. Files are read into memory first so only scanning is
 * timed; the best of {@code RUNS} passes counts. Also writes the findings as TSV (file, line) for
 * comparisons. Usage: {@code DlpCorpusScan DIR hyperscan|pure-java OUT.tsv [RUNS]}.
 */
public final class DlpCorpusScan {
    private DlpCorpusScan() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        MatchPath path = args[1].equals("pure-java") ? MatchPath.PURE_JAVA : MatchPath.HYPERSCAN;
        Path out = Path.of(args[2]);
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        SecretScanner scanner = SecretScanner.create(RuleFile.builtIn(), List.of(), path);
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) files.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        long bytes = files.values().stream().mapToLong(b -> b.length).sum();
        Map<String, List<Finding>> found = new LinkedHashMap<>();
        double best = Double.MAX_VALUE;
        double bestCpu = Double.MAX_VALUE;
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int run = 0; run < runs; run++) {
            long t0 = System.nanoTime();
            long c0 = threads.getCurrentThreadCpuTime();
            for (Map.Entry<String, byte[]> f : files.entrySet()) found.put(f.getKey(), scanner.scan(f.getValue()));
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            bestCpu = Math.min(bestCpu, (threads.getCurrentThreadCpuTime() - c0) / 1e9);
        }
        Set<String> lines = new HashSet<>();
        StringBuilder tsv = new StringBuilder();
        found.forEach((file, list) -> list.forEach(f -> {
            if (lines.add(file + "\t" + f.line())) tsv.append(file).append('\t').append(f.line()).append('\t').append(f.ruleId()).append('\n');
        }));
        Files.writeString(out, tsv);
        // CPU time of the scanning thread gives MB/s per core even on a machine shared with other work.
        System.out.printf("%s\t%.1f MB/s per core\t%.1f MB/s wall clock (%d MB, %.2f s CPU, %.2f s wall)%n", scanner.describe(),
                bytes / 1048576.0 / bestCpu, bytes / 1048576.0 / best, bytes >> 20, bestCpu, best);
    }
}
