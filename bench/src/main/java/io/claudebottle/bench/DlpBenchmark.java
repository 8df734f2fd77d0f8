package io.claudebottle.bench;

import io.claudebottle.dlp.HostileInputs;
import io.claudebottle.dlp.Finding;
import io.claudebottle.dlp.MatchPath;
import io.claudebottle.dlp.RuleFile;
import io.claudebottle.dlp.SecretScanner;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * JMH: scanning throughput on a mixed corpus and latency on hostile 1 MB single lines, for both
 * match paths. Run through {@code bench/dlp.sh} (or {@code java -cp ... org.openjdk.jmh.Main DlpBenchmark}).
 */
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class DlpBenchmark {

    static SecretScanner scanner(String path) {
        return SecretScanner.create(RuleFile.builtIn(), List.of(), path.equals("pure-java") ? MatchPath.PURE_JAVA : MatchPath.HYPERSCAN);
    }

    @State(Scope.Benchmark)
    public static class Corpus {
        @Param({"hyperscan", "pure-java"})
        public String path;
        SecretScanner scanner;
        byte[] bytes;

        @Setup(Level.Trial)
        public void setUp() {
            scanner = scanner(path);
            Random r = new Random(1);
            StringBuilder b = new StringBuilder();
            while (b.length() < 4 << 20) {
                if (r.nextInt(400) == 0) b.append(DlpCorpus.secret(r)[1]).append('\n');
                else b.append(DlpCorpus.filler(r)).append('\n');
            }
            bytes = b.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    @State(Scope.Benchmark)
    public static class Hostile {
        @Param({"hyperscan", "pure-java"})
        public String path;
        @Param({"all-keywords", "a", "password-repeat", "token-repeat", "sk-ant-repeat", "akia-repeat", "ghp-repeat",
                "begin-repeat", "jwt-repeat", "url-credentials-repeat", "near-miss-ghp", "zero-width-keywords", "base64-run",
                "hex-run", "percent-run", "percent-layers", "json-escapes", "nested-json-escapes", "many-lines-one-escape"})
        public String hostile;
        SecretScanner scanner;
        String line;

        @Setup(Level.Trial)
        public void setUp() {
            scanner = scanner(path);
            line = hostileLine(hostile, 1 << 20);
        }
    }

    /** A hostile single line of about {@code size} chars (see {@link HostileInputs}). */
    public static String hostileLine(String kind, int size) {
        String line = HostileInputs.families(size).get(kind);
        if (line == null) throw new IllegalArgumentException("unknown hostile line '" + kind + "'; known: " + HostileInputs.families(16).keySet());
        return line;
    }

    /** 4 MB of mixed text per op; divide 4 by the score (s/op) for MB/s. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public List<Finding> corpus4MB(Corpus c) {
        return c.scanner.scan(c.bytes);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public List<Finding> hostile1MBLine(Hostile h) {
        return h.scanner.scan(h.line);
    }
}
