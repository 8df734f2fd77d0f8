package io.claudebottle.dlp;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile single-line inputs (256 KB here, 1 MB in the bench module) shaped against the rules (long runs of a rule's character class,
 * repeated keywords with no value) must complete on both paths; speed is measured in the bench
 * module, here they only have to finish and find what is planted.
 */
class ReDoSTest {
    /** Hostile single lines of about {@code mb} characters (the bench module runs them at 1 MB). */
    public static List<String> hostileLines(int mb) {
        return List.of(
                "a".repeat(mb),
                "password=".repeat(mb / 9),
                "token: ".repeat(mb / 7),
                "sk-ant-api03-".repeat(mb / 13),
                "eyJ".repeat(mb / 3),
                "%25".repeat(mb / 3),
                "\\u0041".repeat(mb / 6),
                "A".repeat(mb - 30) + " " + EvasionTest.AWS);
    }

    @Test
    void hostileLinesFinishOnBothPathsWithTheSameFindings() {
        RuleVectorsTest.engines();
        for (String line : hostileLines(256 * 1024)) {
            List<Finding> pure = RuleVectorsTest.pureJava.scan(line);
            if (line.endsWith(EvasionTest.AWS)) assertThat(pure).extracting(Finding::ruleId).contains("aws-access-key-id");
            // Also covers the Hyperscan path's hand-over to keywords after a storm of prefilter matches.
            if (RuleVectorsTest.fast != null) assertThat(RuleVectorsTest.fast.scan(line)).as(line.substring(0, 16)).isEqualTo(pure);
        }
    }
}
