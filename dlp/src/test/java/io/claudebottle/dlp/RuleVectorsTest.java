package io.claudebottle.dlp;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class RuleVectorsTest {
    static SecretScanner fast;
    static SecretScanner pureJava;

    @BeforeAll
    static synchronized void engines() {
        if (pureJava != null) return;
        pureJava = SecretScanner.create(RuleFile.builtIn(), List.of(), MatchPath.PURE_JAVA);
        fast = MatchPath.hyperscanUnavailableReason() == null
                ? SecretScanner.create(RuleFile.builtIn(), List.of(), MatchPath.HYPERSCAN) : null;
    }

    @Test
    void atLeast150RulesEachWithVectors() {
        List<Rule> rules = RuleFile.builtIn();
        assertThat(rules).hasSizeGreaterThanOrEqualTo(150);
        Map<String, Vectors> vectors = Vectors.all().stream().collect(Collectors.toMap(Vectors::id, Function.identity()));
        for (Rule r : rules) {
            assertThat(vectors).as("vectors for " + r.id()).containsKey(r.id());
            assertThat(vectors.get(r.id()).truePositives()).as(r.id() + " tp").isNotEmpty();
            assertThat(vectors.get(r.id()).falsePositives()).as(r.id() + " fp").isNotEmpty();
        }
    }

    @Test
    void everyTruePositiveContainsOneOfItsRulesKeywords() {
        Map<String, Rule> rules = RuleFile.builtIn().stream().collect(Collectors.toMap(Rule::id, Function.identity()));
        for (Vectors v : Vectors.all()) {
            for (String tp : v.truePositives()) {
                String lower = tp.toLowerCase(Locale.ROOT);
                assertThat(rules.get(v.id()).keywords()).as(v.id() + " keywords in " + tp).anyMatch(lower::contains);
            }
        }
    }

    @Test
    void truePositivesAreFoundByTheirRuleOnBothPaths() {
        List<String> failures = new ArrayList<>();
        for (Vectors v : Vectors.all()) {
            for (String tp : v.truePositives()) {
                for (SecretScanner s : scanners()) {
                    Set<String> ids = s.scan(tp).stream().map(Finding::ruleId).collect(Collectors.toSet());
                    if (!ids.contains(v.id())) failures.add(s.describe() + ": " + v.id() + " missed " + tp + " (found " + ids + ")");
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void falsePositivesAreFoundByNoRule() {
        List<String> failures = new ArrayList<>();
        for (Vectors v : Vectors.all()) {
            for (String fp : v.falsePositives()) {
                for (SecretScanner s : scanners()) {
                    List<Finding> f = s.scan(fp);
                    if (!f.isEmpty()) failures.add(v.id() + " fp '" + fp + "' matched " + f);
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void findingsNeverContainTheSecret() {
        for (Vectors v : Vectors.all()) {
            for (String tp : v.truePositives()) {
                for (Finding f : pureJava.scan(tp)) {
                    String longestToken = longestToken(tp);
                    assertThat(f.excerpt()).as(v.id()).doesNotContain(longestToken.substring(Math.min(8, longestToken.length() / 2)));
                }
            }
        }
    }

    private static String longestToken(String s) {
        String best = "";
        for (String t : s.split("[\\s\"'=:]+")) if (t.length() > best.length()) best = t;
        return best;
    }

    static List<SecretScanner> scanners() {
        return fast == null ? List.of(pureJava) : List.of(fast, pureJava);
    }
}
