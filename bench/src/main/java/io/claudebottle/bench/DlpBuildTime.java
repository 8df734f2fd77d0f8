package io.claudebottle.bench;

import io.claudebottle.dlp.MatchPath;
import io.claudebottle.dlp.Rule;
import io.claudebottle.dlp.RuleFile;
import io.claudebottle.dlp.SecretScanner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Time to a usable default {@link SecretScanner} in a fresh JVM, as the sidecar sees it at start-up:
 * native library load, rule file parse, engine build (Hyperscan compile, or load from the cache
 * in {@code -Dbottle.dlp.cacheDir}), first scan. Prints one line. Run it twice on the same cache
 * directory for the cold and the warm figure.
 */
public final class DlpBuildTime {
    private DlpBuildTime() {}

    public static void main(String[] args) throws Exception {
        String dir = System.getProperty("bottle.dlp.cacheDir", "");
        boolean warm = !dir.isBlank() && Files.isDirectory(Path.of(dir)) && Files.list(Path.of(dir)).findAny().isPresent();
        long t0 = System.nanoTime();
        String unavailable = MatchPath.hyperscanUnavailableReason();
        long t1 = System.nanoTime();
        List<Rule> rules = RuleFile.builtIn();
        long t2 = System.nanoTime();
        SecretScanner scanner = SecretScanner.create(rules, List.of(), MatchPath.best());
        long t3 = System.nanoTime();
        scanner.scan("warm-up sk-ant-api03-x");
        long t4 = System.nanoTime();
        System.out.printf("engine build (%s cache): %d ms total = native load %d + rules %d + engine %d + first scan %d ms  [%s]%s%n",
                dir.isBlank() ? "no" : warm ? "warm" : "cold", (t4 - t0) / 1_000_000, (t1 - t0) / 1_000_000,
                (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000, scanner.describe(),
                unavailable == null ? "" : " (" + unavailable + ")");
    }
}
