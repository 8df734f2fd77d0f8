package io.claudebottle.dlp;

import com.google.re2j.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keyword-anchored confirmation ({@link KeywordLead}, {@code RuleMatcher.confirmLine}) is a
 * shortcut: it must report what a plain RE2J search of each line reports, and its bounded windows
 * and run skipping must not open a way around detection.
 */
class KeywordLeadTest {
    private static final String JWT_HEAD = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
    private static final String JWT_SIG = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

    static Stream<SecretScanner> scanners() {
        return EvasionTest.scanners();
    }

    private static List<String> ids(SecretScanner s, String text) {
        return s.scan(text).stream().map(Finding::ruleId).toList();
    }

    private static String jwt(int payloadChars) {
        StringBuilder p = new StringBuilder("eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6");
        Random r = new Random(payloadChars);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        while (p.length() < payloadChars) p.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return JWT_HEAD + "." + p + "." + JWT_SIG;
    }

    @Test
    void analysisFindsTheLeadOrRefuses() {
        assertThat(KeywordLead.analyse(Rule.of("a", "sk-ant-[a-z0-9]{2,10}-[A-Za-z0-9_-]{20,}", "sk-ant-")).lead()).isZero();
        Rule generic = RuleFile.builtIn().stream().filter(r -> r.id().equals("generic-secret")).findFirst().orElseThrow();
        assertThat(KeywordLead.analyse(generic).lead()).as("client_secret starts 7 chars before 'secret'").isEqualTo(7);
        assertThat(KeywordLead.analyse(Rule.of("b", "\\bghp_[A-Za-z0-9]{36}", "ghp_")).wordBoundary()).isTrue();
        // Shapes whose matches need not start at a keyword keep the region search.
        // Bounded classes before the keyword: a lead, and the chars a start may have before it.
        KeywordLead classLed = KeywordLead.analyse(Rule.of("c", "[A-Z]{4}token[0-9]+", "token"));
        assertThat(classLed.lead()).isEqualTo(4);
        assertThat(classLed.prefixes()).isNull();
        assertThat(classLed.before()['Q']).isTrue();
        assertThat(classLed.before()[' ']).isFalse();
        Rule url = RuleFile.builtIn().stream().filter(r -> r.id().equals("url-credentials")).findFirst().orElseThrow();
        assertThat(KeywordLead.analyse(url).lead()).as("a scheme of up to 21 chars before ://").isEqualTo(21);
        assertThat(KeywordLead.analyse(Rule.of("c2", "[A-Z]+token[0-9]+", "token"))).as("unbounded").isNull();
        assertThat(KeywordLead.analyse(Rule.of("c3", "[A-Z]{4,300}token[0-9]+", "token"))).as("too wide").isNull();
        assertThat(KeywordLead.analyse(Rule.of("c4", "\\b[-A-Z]{4}token[0-9]+", "token"))).as("\\b before a non-word char").isNull();
        assertThat(KeywordLead.analyse(Rule.of("d", "(?:abc|token)=[0-9]+", "token"))).isNull();
        assertThat(KeywordLead.analyse(Rule.of("e", "(?:tok|token)?=[0-9]+", "token"))).isNull();
        assertThat(KeywordLead.analyse(Rule.of("f", "(?m)^token=[0-9]+", "token"))).isNull();
        assertThat(KeywordLead.analyse(Rule.of("g", "to*ken=[0-9]+", "token"))).isNull();
        assertThat(KeywordLead.analyse(Rule.of("h", "\\b-token=[0-9]+", "-token"))).isNull();
        assertThat(KeywordLead.analyse(Rule.of("i", "[0-9]+", new String[0]))).isNull();
    }

    /** Reference: every rule searched with RE2J over each whole line, as the region search does for short lines. */
    private static List<RuleMatcher.RawMatch> reference(List<CompiledRule> rules, String text) {
        List<RuleMatcher.RawMatch> out = new ArrayList<>();
        LineIndex lines = LineIndex.of(text);
        for (CompiledRule rule : rules) {
            for (int line = 0; line <= lines.lineOf(text.length() - 1); line++) {
                int ls = lines.lineStart(line);
                int le = lines.lineEnd(line);
                int limit = le < text.length() ? le + 1 : le;
                String lower = text.substring(ls, limit).toLowerCase(java.util.Locale.ROOT);
                if (rule.rule().keywords().stream().noneMatch(lower::contains)) continue; // the prefilter's premise
                Matcher m = rule.pattern().matcher(text.substring(ls, limit));
                int group = rule.rule().secretGroup();
                while (m.find()) {
                    if (m.end() == m.start()) continue;
                    int ss = ls + (group > 0 && m.start(group) >= 0 ? m.start(group) : m.start());
                    int se = ls + (group > 0 && m.start(group) >= 0 ? m.end(group) : m.end());
                    if (se <= ss) continue;
                    if (rule.rule().minEntropy() > 0 && Entropy.shannon(text, ss, se) < rule.rule().minEntropy()) continue;
                    out.add(new RuleMatcher.RawMatch(rule.index(), ls + m.start(), ls + m.end(), ss, se));
                }
            }
        }
        return out;
    }

    @Test
    void anchoredConfirmationReportsWhatAWholeLineSearchReports() {
        List<CompiledRule> rules = new ArrayList<>();
        for (Rule r : RuleFile.builtIn()) rules.add(CompiledRule.of(rules.size(), r));
        RuleMatcher matcher = new RuleMatcher(rules, new KeywordPrefilter(rules));
        Random random = new Random(11);
        String[] glue = {" ", "", "=", "x", "_", "\"", ": ", "client_", "my", "-", "token ", "password ", "Secret"};
        StringBuilder text = new StringBuilder();
        for (Vectors v : Vectors.all()) {
            for (String s : v.truePositives()) {
                text.append(glue[random.nextInt(glue.length)]).append(s).append(glue[random.nextInt(glue.length)]).append('\n');
                text.append(s).append(' ').append(s).append('\n');
            }
            for (String s : v.falsePositives()) text.append(glue[random.nextInt(glue.length)]).append(s).append('\n');
        }
        String corpus = text.toString();
        List<RuleMatcher.RawMatch> expected = reference(rules, corpus);
        // Every line here holds a secret: far denser than any real file, so the scan budget is lifted.
        List<RuleMatcher.RawMatch> actual = matcher.find(corpus, null, null, LineIndex.of(corpus), ScanBudget.forInput(1L << 40));
        assertThat(expected.size()).isGreaterThan(400);
        assertThat(new java.util.HashSet<>(actual)).isEqualTo(new java.util.HashSet<>(expected));
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void aSecretAfterAKeywordFloodIsStillFound(SecretScanner s) {
        String pw = "password=Xk9#Lm2Qp7w!";
        assertThat(ids(s, "password=".repeat(20_000) + " " + pw)).contains("generic-password");
        assertThat(ids(s, "password=".repeat(20_000) + "\n" + pw)).contains("generic-password");
        String key = "sk-ant-api03-" + "Xk9_Lm2Qp7Rt".repeat(8);
        assertThat(ids(s, "sk-ant-api03-".repeat(20_000) + " " + key)).contains("anthropic-api-key");
        assertThat(ids(s, "sk-ant-api03-".repeat(20_000) + "," + key)).contains("anthropic-api-key");
        // Attempts that run to the window's end and fail (no '.'): the run they consumed is skipped.
        assertThat(ids(s, "-eyJ".repeat(10_000) + " " + jwt(200))).contains("jwt");
        assertThat(ids(s, "eyJ".repeat(10_000) + " " + jwt(200) + " " + "eyJ".repeat(1000))).contains("jwt");
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void longTokensUpToTheWindowAreFoundWhereverTheyStart(SecretScanner s) {
        for (int payload : new int[] {40, 400, 512, 3000, RuleMatcher.WINDOW - 200}) {
            String token = jwt(payload);
            for (int before : new int[] {0, 1, RuleMatcher.CHUNK - 50, RuleMatcher.CHUNK + 7}) {
                String line = "a".repeat(before) + " Authorization: Bearer " + token + " trailing words";
                assertThat(ids(s, line)).as("payload %d after %d chars", payload, before).contains("jwt");
                assertThat(ids(s, line.substring(0, line.length() - 15))).as("at the very end, payload %d", payload).contains("jwt");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void keywordsRightBeforeAndInsideAMatchDoNotHideIt(SecretScanner s) {
        String secret = "Zq8vR2mX5kP9tW3nB7cY";
        assertThat(ids(s, "client_secret = \"" + secret + "\"")).contains("generic-secret");
        assertThat(ids(s, "token_token_secret=" + secret)).contains("generic-secret");
        assertThat(ids(s, "ghp_ghp_ghp_ " + EvasionTest.GH)).contains("github-pat");
        // \b: glued to a word the rule must not fire, as with a whole-text search.
        assertThat(ids(s, "x" + EvasionTest.GH)).doesNotContain("github-pat");
    }

    @Test
    void bothPathsAgreeOnKeywordFloods() {
        RuleVectorsTest.engines();
        if (RuleVectorsTest.fast == null) return; // agreement needs both paths; PathAgreementTest reports the skip
        List<String> lines = List.of(
                "password=".repeat(5_000) + " password=Xk9#Lm2Qp7w!",
                "token=" + "ab".repeat(10_000) + " api_key=" + "Zq8vR2mX5kP9tW3nB7cY" + " secret=" + "x".repeat(9000),
                "-eyJ".repeat(10_000) + " " + jwt(300),
                "sk-ant-api03-".repeat(5_000) + "\nsk-ant-api03-" + "Xk9_Lm2Qp7Rt".repeat(8));
        for (String line : lines) {
            assertThat(RuleVectorsTest.fast.scan(line)).as(line.substring(0, 12)).isEqualTo(RuleVectorsTest.pureJava.scan(line));
        }
    }
}
