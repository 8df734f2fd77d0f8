package io.claudebottle.dlp;

import com.google.re2j.Matcher;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The required-character proof: right sets for simple shapes, refusal otherwise, never unsound. */
class RequiredCharsTest {
    private static String chars(String regex) {
        boolean[] set = RequiredChars.analyse(regex);
        if (set == null) return null;
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < 128; c++) if (set[c]) b.append((char) c);
        return b.toString();
    }

    @Test
    void findsTheMandatoryPunctuationOrRefuses() {
        assertThat(chars("(?i)(?:password|pwd)[\"']?\\s*(?:[:=]|:=|=>)\\s*([^\\s]{8,})")).isEqualTo(":=>"); // "=>": ties go to the later atom
        assertThat(chars("\\b[a-z]+://[^\\s:@/]{1,64}:([^\\s:@/]{3,128})@[a-z.-]+")).isEqualTo("@");
        assertThat(chars("(?i)x-api-key\\s*:\\s*([a-z0-9]{16,})")).isEqualTo(":"); // ties go to the later atom
        assertThat(chars("\\[(?:pypi|testpypi)\\][^\\[]{0,300}password")).isEqualTo("]");
        assertThat(chars("[a\\-z]{4}=")).isEqualTo("="); // an escaped dash is no range
        assertThat(chars("[+\\-/]{4}")).isEqualTo("+-/");
        // nothing usable or not understood: no set
        assertThat(chars("[A-Za-z0-9]{40}")).isNull(); // letters and digits are everywhere
        assertThat(chars("abc(?:=)?def")).isNull(); // the only punctuation is optional
        assertThat(chars("a=|b")).isNull(); // top-level alternation
        assertThat(chars("(?:=|b)x")).isNull(); // one alternative without a required char
        assertThat(chars("[^=]=?")).isNull(); // negated class, optional '='
        assertThat(chars("a(?s:.)=")).isNull(); // inline flags are not parsed
        assertThat(chars("\\Q=\\E")).isNull();
        assertThat(chars("a{,2}=")).isNull(); // RE2 reads "{,2}" as literals: not parsed
        assertThat(chars("(=")).isNull();
        assertThat(chars("=*")).isNull();
        assertThat(chars("x{0}=")).isEqualTo("=");
        assertThat(chars("x={0}")).isNull();
    }

    /** Every match of every built-in rule in its true-positive vectors holds one of its required chars. */
    @Test
    void everyMatchOfEveryBuiltInRuleHoldsARequiredChar() {
        int checked = 0;
        for (Rule rule : RuleFile.builtIn()) {
            boolean[] set = RequiredChars.analyse(rule.regex());
            if (set == null) continue;
            for (Vectors v : Vectors.all()) {
                for (String s : v.truePositives()) {
                    Matcher m = Rule.compile(rule.regex()).matcher(s);
                    while (m.find()) {
                        boolean holds = false;
                        for (int i = m.start(); i < m.end() && !holds; i++) holds = s.charAt(i) < 128 && set[s.charAt(i)];
                        assertThat(holds).as("%s matched %s", rule.id(), m.group()).isTrue();
                        checked++;
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(200);
    }

    /** The gate never hides a secret: a required char only before the keyword is not enough, one after is. */
    @Test
    void theGateLooksAfterTheCandidateStart() {
        for (SecretScanner s : new SecretScanner[] {
                SecretScanner.create(RuleFile.builtIn(), java.util.List.of(), MatchPath.PURE_JAVA),
                SecretScanner.create(RuleFile.builtIn(), java.util.List.of(), MatchPath.HYPERSCAN)}) {
            assertThat(s.scan("a=b password hunter2hunter2Zq9")).extracting(Finding::ruleId).doesNotContain("generic-password");
            assertThat(s.scan("a=b password=hunter2hunter2Zq9 ")).extracting(Finding::ruleId).contains("generic-password");
            assertThat(s.scan("password token secret key password=Xk29dLq0vPzR7 tail")).extracting(Finding::ruleId)
                    .contains("generic-password");
        }
    }
}
