package io.claudebottle.bench;

import io.claudebottle.dlp.HostileInputs;
import io.claudebottle.dlp.Finding;
import io.claudebottle.dlp.MatchPath;
import io.claudebottle.dlp.RuleFile;
import io.claudebottle.dlp.SecretScanner;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Map;

/**
 * The hostile 1 MB single lines of {@link DlpBenchmark}, timed in CPU time of the scanning thread
 * (best of {@code RUNS}, after warm-up), so the figure holds on a machine busy with other work,
 * where JMH's wall clock does not. Prints one line per path and line, with the outcome ("clean",
 * or "unscannable" when the line holds more candidate matches than the scan budget pays for). Usage: {@code DlpHostileLines [RUNS]}.
 */
public final class DlpHostileLines {
    private DlpHostileLines() {}

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (MatchPath path : List.of(MatchPath.HYPERSCAN, MatchPath.PURE_JAVA)) {
            if (path == MatchPath.HYPERSCAN && MatchPath.hyperscanUnavailableReason() != null) continue;
            SecretScanner scanner = SecretScanner.create(RuleFile.builtIn(), List.of(), path);
            for (Map.Entry<String, String> family : HostileInputs.families(1 << 20).entrySet()) {
                String kind = family.getKey();
                String line = family.getValue();
                List<Finding> found = scanner.scan(line);
                double best = Double.MAX_VALUE;
                for (int i = 0; i < runs; i++) {
                    long c0 = threads.getCurrentThreadCpuTime();
                    scanner.scan(line);
                    best = Math.min(best, (threads.getCurrentThreadCpuTime() - c0) / 1e6);
                }
                String outcome = found.isEmpty() ? "clean" : String.join(",", found.stream().map(Finding::ruleId).distinct().toList());
                System.out.printf("hostile 1 MB line %-22s %-10s %6.1f ms CPU (best of %d)  %s%n", kind,
                        path == MatchPath.HYPERSCAN ? "hyperscan" : "pure-java", best, runs, outcome);
            }
        }
    }
}
