package io.claudebottle.dlp;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The on-disk cache of compiled Hyperscan databases: used when sound, ignored and rewritten when not. */
class DatabaseCacheTest {
    private static final List<Rule> RULES = List.of(
            Rule.of("anthropic", "sk-ant-[a-z0-9]{2,10}-[A-Za-z0-9_-]{20,}", "sk-ant-"),
            Rule.of("aws", "\\b(?:AKIA|ASIA)[A-Z0-9]{16}\\b", "akia", "asia"));
    private static final String TEXT = "key = " + EvasionTest.AWS + "\nauth sk-ant-api03-" + "Ab1_".repeat(10) + "\n";

    @TempDir
    Path dir;

    @BeforeAll
    static void needsHyperscan() {
        assumeTrue(MatchPath.hyperscanUnavailableReason() == null || Boolean.getBoolean("bottle.requireAll"),
                "Hyperscan native library unavailable: " + MatchPath.hyperscanUnavailableReason());
    }

    private DlpEngine engine(DatabaseCache cache) {
        return DlpEngine.create(RULES, List.of(), MatchPath.HYPERSCAN, cache);
    }

    private Path onlyFile() throws IOException {
        try (var files = Files.list(dir)) {
            List<Path> all = files.toList();
            assertThat(all).hasSize(1);
            return all.getFirst();
        }
    }

    @Test
    void aWarmBuildLoadsTheDatabaseTheColdBuildWrote() throws IOException {
        DatabaseCache cache = new DatabaseCache(dir);
        List<Finding> cold = engine(cache).findings(TEXT);
        Path file = onlyFile();
        byte[] written = Files.readAllBytes(file);
        assertThat(cold).extracting(Finding::ruleId).containsExactly("aws", "anthropic");

        assertThat(engine(cache).findings(TEXT)).isEqualTo(cold);
        assertThat(Files.readAllBytes(file)).as("a sound file is used, not rewritten").isEqualTo(written);
    }

    @Test
    void aFileWithAFlippedByteIsIgnoredAndRewritten() throws IOException {
        DatabaseCache cache = new DatabaseCache(dir);
        engine(cache);
        Path file = onlyFile();
        byte[] good = Files.readAllBytes(file);
        for (int at : new int[] {5, good.length / 2, good.length - 20, good.length - 1}) {
            byte[] bad = good.clone();
            bad[at] ^= 0x20;
            Files.write(file, bad);
            assertThat(engine(cache).findings(TEXT)).extracting(Finding::ruleId).containsExactly("aws", "anthropic");
            assertThat(Files.readAllBytes(file)).as("rewritten after corruption at " + at).isEqualTo(good);
        }
    }

    @Test
    void truncatedEmptyAndForeignFilesAreIgnoredAndRewritten() throws IOException {
        DatabaseCache cache = new DatabaseCache(dir);
        engine(cache);
        Path file = onlyFile();
        byte[] good = Files.readAllBytes(file);
        // Another rule set's database under this rule set's name: its checksum is sound, its key is not.
        Path other = Files.createDirectory(dir.resolve("other"));
        DlpEngine.create(List.of(Rule.of("only-aws", "AKIA[A-Z0-9]{16}", "akia")), List.of(), MatchPath.HYPERSCAN, new DatabaseCache(other));
        byte[] foreign;
        try (var files = Files.list(other)) {
            foreign = Files.readAllBytes(files.toList().getFirst());
        }
        for (byte[] bad : List.of(new byte[0], java.util.Arrays.copyOf(good, good.length / 2), foreign)) {
            Files.write(file, bad);
            assertThat(engine(cache).findings(TEXT)).extracting(Finding::ruleId).containsExactly("aws", "anthropic");
            assertThat(Files.readAllBytes(file)).isEqualTo(good);
        }
    }

    @Test
    void aWellFramedFileWithGarbageDatabaseBytesIsRejectedByHyperscanAndRewritten() throws Exception {
        DatabaseCache cache = new DatabaseCache(dir);
        engine(cache);
        Path file = onlyFile();
        byte[] good = Files.readAllBytes(file);
        // Overwrite the database bytes (the tail before the checksum) and recompute the checksum,
        // so only Hyperscan's own validation stands between the file and a scan.
        byte[] bad = good.clone();
        int body = bad.length - CacheFile.CHECKSUM_BYTES;
        for (int i = body - 200; i < body; i++) bad[i] = (byte) (i * 31);
        System.arraycopy(CacheFile.checksum(bad, body), 0, bad, body, CacheFile.CHECKSUM_BYTES);
        Files.write(file, bad);
        assertThat(engine(cache).findings(TEXT)).extracting(Finding::ruleId).containsExactly("aws", "anthropic");
        assertThat(Files.readAllBytes(file)).isEqualTo(good);
    }

    @Test
    void anUnwritableDirectoryJustCompiles() throws IOException {
        Path notADir = Files.writeString(dir.resolve("file"), "x");
        DlpEngine e = engine(new DatabaseCache(notADir.resolve("dlp")));
        assertThat(e.findings(TEXT)).extracting(Finding::ruleId).containsExactly("aws", "anthropic");
        assertThat(e.prefilterName()).isEqualTo("hyperscan");
    }

    @Test
    void theDirectoryComesFromTheSystemPropertyAndBlankDisablesIt() {
        String old = System.getProperty("bottle.dlp.cacheDir");
        try {
            System.setProperty("bottle.dlp.cacheDir", dir.toString());
            assertThat(DatabaseCache.configured().file("k")).isEqualTo(dir.resolve("k.hsdb"));
            System.setProperty("bottle.dlp.cacheDir", "");
            assertThat(DatabaseCache.configured()).isNull();
        } finally {
            if (old == null) System.clearProperty("bottle.dlp.cacheDir");
            else System.setProperty("bottle.dlp.cacheDir", old);
        }
    }
}
