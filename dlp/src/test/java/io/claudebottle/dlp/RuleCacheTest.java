package io.claudebottle.dlp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The parsed built-in rules kept beside the Hyperscan databases: same rules back, or nothing. */
class RuleCacheTest {
    @TempDir
    Path dir;

    @Test
    void aStoredRuleSetComesBackEqual() {
        RuleCache cache = new RuleCache(dir);
        List<Rule> rules = RuleFile.builtIn();
        String key = RuleCache.key("rules v1".getBytes(StandardCharsets.UTF_8));
        assertThat(cache.load(key)).isNull();
        cache.store(key, rules);
        assertThat(cache.load(key)).isEqualTo(rules);
        assertThat(cache.load(RuleCache.key("rules v2".getBytes(StandardCharsets.UTF_8)))).as("another rule file").isNull();
    }

    @Test
    void eachRulesAnalysisComesBackAsComputed() {
        RuleCache cache = new RuleCache(dir);
        String key = RuleCache.key(new byte[] {4});
        cache.store(key, RuleFile.builtIn());
        List<Rule> loaded = cache.load(key);
        int classLed = 0;
        for (Rule r : loaded) {
            RuleCache.Analysis cached = RuleCache.analysisOf(r);
            RuleCache.Analysis fresh = RuleCache.Analysis.of(r);
            assertThat(cached).as(r.id()).isNotNull();
            assertThat(cached.required()).as(r.id() + " required").isEqualTo(fresh.required());
            if (fresh.lead() == null) {
                assertThat(cached.lead()).as(r.id()).isNull();
                continue;
            }
            assertThat(cached.lead().lead()).as(r.id()).isEqualTo(fresh.lead().lead());
            assertThat(cached.lead().wordBoundary()).as(r.id()).isEqualTo(fresh.lead().wordBoundary());
            assertThat(cached.lead().prefixes()).as(r.id()).isDeepEqualTo(fresh.lead().prefixes());
            assertThat(cached.lead().before()).as(r.id()).isEqualTo(fresh.lead().before());
            if (fresh.lead().before() != null) classLed++;
        }
        assertThat(classLed).as("rules led by bounded classes, e.g. url-credentials").isGreaterThan(3);
    }

    @Test
    void aCorruptTruncatedOrForeignFileIsIgnored() throws Exception {
        RuleCache cache = new RuleCache(dir);
        String key = RuleCache.key(new byte[] {1});
        cache.store(key, List.of(Rule.of("acme", "acme_[a-z]{8}", "acme_")));
        byte[] good = Files.readAllBytes(cache.file(key));
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 1;
        Files.write(cache.file(key), flipped);
        assertThat(cache.load(key)).as("one bit flipped").isNull();
        Files.write(cache.file(key), java.util.Arrays.copyOf(good, good.length - 3));
        assertThat(cache.load(key)).as("truncated").isNull();
        Files.copy(cache.file(key), cache.file(RuleCache.key(new byte[] {2})));
        assertThat(cache.load(RuleCache.key(new byte[] {2}))).as("stored under another key").isNull();
    }

    @Test
    void cachedRulesStillMatchAndCompileOnFirstUse() {
        RuleCache cache = new RuleCache(dir);
        String key = RuleCache.key(new byte[] {3});
        cache.store(key, RuleFile.builtIn());
        List<Rule> rules = cache.load(key);
        SecretScanner s = SecretScanner.create(rules, List.of(), MatchPath.PURE_JAVA);
        assertThat(s.scan("x " + EvasionTest.GH)).extracting(Finding::ruleId).containsExactly("github-pat");
    }
}
