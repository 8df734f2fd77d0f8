package io.claudebottle.dlp;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Hostile 1 MB single lines ({@link HostileInputs}) on both match paths: each must finish (the
 * timeout only guards against the catastrophic case; the speed target is measured in the bench),
 * with an exact outcome — nothing found, or "unscannable" when the line holds more candidate
 * matches than the scan budget pays for — and a secret planted in it is found or the line is
 * refused, never called clean.
 */
class ReDoSTest {
    private static final int SIZE = 1 << 20;
    private static final Duration GUARD = Duration.ofSeconds(5);
    private static final Map<String, String> LINES = HostileInputs.families(SIZE);
    /**
     * Families the pure-Java path cannot afford to confirm: every keyword hit needs RE2J there, and
     * these hold every rule's keywords. (One near miss repeated, like {@code token: token: ...},
     * is scanned whole: an attempt over the same chars as a failed one is known to fail.)
     */
    private static final Set<String> UNSCANNABLE_PURE_JAVA = Set.of("all-keywords", "zero-width-keywords", "base64-run",
            "hex-run", "percent-run", "json-escapes");
    /** A line that runs the pure-Java path out of budget. */
    private static final String TOO_COSTLY = LINES.get("all-keywords");

    static Stream<Arguments> cases() {
        return Stream.of(MatchPath.values()).flatMap(p -> LINES.keySet().stream().map(f -> Arguments.of(f, p)));
    }

    private static SecretScanner scanner(MatchPath path) {
        RuleVectorsTest.engines();
        if (path == MatchPath.HYPERSCAN) {
            Assumptions.assumeTrue(RuleVectorsTest.fast != null || Boolean.getBoolean("bottle.requireAll"),
                    "Hyperscan native library unavailable: " + MatchPath.hyperscanUnavailableReason());
            assertThat(RuleVectorsTest.fast).as("Hyperscan required (bottle.requireAll)").isNotNull();
            return RuleVectorsTest.fast;
        }
        return RuleVectorsTest.pureJava;
    }

    private static List<String> ids(List<Finding> findings) {
        return findings.stream().map(Finding::ruleId).distinct().toList();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void finishesWithTheExpectedOutcome(String family, MatchPath path) {
        SecretScanner s = scanner(path);
        List<Finding> found = assertTimeoutPreemptively(GUARD, () -> s.scan(LINES.get(family)));
        boolean refused = path == MatchPath.PURE_JAVA && UNSCANNABLE_PURE_JAVA.contains(family);
        assertThat(ids(found)).as(family).isEqualTo(refused ? List.of(Finding.UNSCANNABLE) : List.of());
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void aPlantedSecretIsFoundOrTheLineRefused(String family, MatchPath path) {
        SecretScanner s = scanner(path);
        String line = LINES.get(family);
        // Before the hostile part: found, whatever happens to the rest (keyword-led rules go first).
        List<String> before = ids(assertTimeoutPreemptively(GUARD, () -> s.scan(EvasionTest.GH + " " + line)));
        assertThat(before).as(family).contains("github-pat");
        // After it: found or refused, never clean. (On the Hyperscan path a real secret on the line
        // makes its rule try every keyword occurrence there, so a flood of near misses may be refused.)
        List<String> after = ids(assertTimeoutPreemptively(GUARD, () -> s.scan(line + " " + EvasionTest.GH)));
        assertThat(after).as(family).containsAnyOf("github-pat", Finding.UNSCANNABLE);
        if (!after.contains(Finding.UNSCANNABLE)) assertThat(after).as(family).contains("github-pat");
    }

    @Test
    void theUnscannableFindingSaysWhereTheScanStopped() {
        RuleVectorsTest.engines();
        String text = "line one\n" + TOO_COSTLY;
        Finding f = RuleVectorsTest.pureJava.scan(text).stream().filter(Finding::unscannable).findFirst().orElseThrow();
        assertThat(f.line()).isEqualTo(2);
        assertThat(f.offset()).isBetween(9L, (long) text.length());
        assertThat(f.excerpt()).contains("scan budget").doesNotContain(TOO_COSTLY.substring(0, 40));
    }

    @Test
    void bodiesAndStreamsThatRunOutOfBudgetAreRefused() {
        RuleVectorsTest.engines();
        String json = TOO_COSTLY.replace("\\", "\\\\").replace("\"", "\\\"");
        byte[] body = ("{\"q\":\"" + json + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(RuleVectorsTest.pureJava.scanBody(body, "application/json", null))
                .isInstanceOfSatisfying(BodyVerdict.Unscannable.class, u -> assertThat(u.reason()).contains("work budget"));
        // In small chunks: one budget for the whole stream, not a fresh allowance per chunk.
        List<Finding> streamed = assertTimeoutPreemptively(GUARD, () -> streamed(RuleVectorsTest.pureJava, body, 8 << 10));
        assertThat(streamed).extracting(Finding::ruleId).containsExactly(Finding.UNSCANNABLE);
        assertThat(streamed.getFirst().offset()).isLessThan(body.length / 2);
    }

    @Test
    void ordinaryTextStreamedInSmallChunksStaysWithinBudget() {
        RuleVectorsTest.engines();
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < SIZE; i++) {
            text.append("const token = await fetch(`https://example.com/api/v1/items/").append(i)
                    .append("`, { headers }); // reset the password, rotate the secret and the api_key\n");
        }
        text.append("aws = ").append(EvasionTest.AWS).append('\n');
        byte[] body = text.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (SecretScanner s : RuleVectorsTest.scanners()) {
            assertThat(streamed(s, body, 4 << 10)).extracting(Finding::ruleId).containsExactly("aws-access-key-id");
        }
    }

    private static List<Finding> streamed(SecretScanner s, byte[] body, int chunk) {
        StreamScan stream = s.stream();
        List<Finding> out = new java.util.ArrayList<>();
        for (int i = 0; i < body.length; i += chunk) out.addAll(stream.update(body, i, Math.min(chunk, body.length - i)));
        out.addAll(stream.finish());
        return out;
    }

    @Test
    void aRepeatedNearMissIsScannedWholeAndASecretInItFound() {
        // Failed attempts are remembered by the chars RE2J read: a copy that differs anywhere in
        // those chars (here: the secret in the middle) must still be tried.
        RuleVectorsTest.engines();
        String half = "token: ".repeat(SIZE / 14);
        for (SecretScanner s : RuleVectorsTest.scanners()) {
            assertThat(ids(s.scan(half + "token: " + EvasionTest.GH + " " + half))).as(s.describe()).contains("github-pat");
            assertThat(ids(s.scan(half + "token: Zq8vN3xR7mK2pL9wT4yB6cH1 " + half))).as(s.describe())
                    .containsExactly("generic-secret");
            assertThat(ids(s.scan(half + half))).as(s.describe()).isEmpty();
        }
    }

    @Test
    void aRuleCannotTakeTheReservedId() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SecretScanner.create(
                        List.of(Rule.of(Finding.UNSCANNABLE, "x{9}", "xx")), List.of(), MatchPath.PURE_JAVA))
                .hasMessageContaining("reserved");
    }

    @Test
    void allowListsAndExemptionsDoNotHideAnUnscannableInput() {
        RuleVectorsTest.engines();
        String text = TOO_COSTLY;
        SecretScanner lenient = SecretScanner.create(RuleFile.builtIn(), List.of(".*", ""), MatchPath.PURE_JAVA)
                .ignoringValues(Set.of("token")).without(Set.of(Finding.UNSCANNABLE));
        assertThat(lenient.scan(text)).extracting(Finding::ruleId).contains(Finding.UNSCANNABLE);
    }
}
