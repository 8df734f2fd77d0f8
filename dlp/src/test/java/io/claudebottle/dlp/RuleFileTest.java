package io.claudebottle.dlp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RuleFileTest {
    @Test
    void customRulesAndAllowListWork(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rules.yaml");
        Files.writeString(file, """
                rules:
                  - id: acme-key
                    description: ACME key
                    regex: 'acme_([a-z0-9]{32})'
                    keywords: [acme_]
                    min_entropy: 3.0
                    secret_group: 1
                """);
        List<Rule> rules = RuleFile.load(file);
        SecretScanner s = SecretScanner.withRules(rules, List.of("EXAMPLE$"));
        List<Finding> f = s.scan("key acme_0123456789abcdefghijklmnopqrstuv here");
        assertThat(f).extracting(Finding::ruleId).containsExactly("acme-key");
        assertThat(f.getFirst().excerpt()).doesNotContain("456789abcdef");
        assertThat(s.scan("acme_" + "a".repeat(32))).isEmpty(); // below min_entropy
        assertThat(s.scan("AKIAIOSFODNN7EXAMPLE")).isEmpty();
        assertThat(s.scan(EvasionTest.AWS)).hasSize(1);
        assertThat(s.without(Set.of("aws-access-key-id")).scan(EvasionTest.AWS)).isEmpty();
    }

    @Test
    void errorsNameTheFileTheRuleAndTheFix() {
        assertThatThrownBy(() -> RuleFile.parse("rules:\n  - id: x\n    regex: '(?<=a)b'\n", "my.yaml"))
                .hasMessageContaining("my.yaml").hasMessageContaining("rule x").hasMessageContaining("RE2");
        assertThatThrownBy(() -> RuleFile.parse("rules:\n  - id: x\n    regx: a\n", "my.yaml"))
                .hasMessageContaining("unknown key 'regx'");
        assertThatThrownBy(() -> RuleFile.parse("rules:\n  - id: x\n    regex: a\n  - id: x\n    regex: b\n", "my.yaml"))
                .hasMessageContaining("duplicate rule id 'x'");
        assertThatThrownBy(() -> RuleFile.parse("nope: 1\n", "my.yaml")).hasMessageContaining("top-level 'rules:'");
        assertThatThrownBy(() -> RuleFile.parse("rules:\n  - id: x\n    regex: '(a)'\n    secret_group: 2\n", "f"))
                .hasMessageContaining("secret_group 2");
        assertThatThrownBy(() -> SecretScanner.withRules(List.of(), List.of("(")))
                .hasMessageContaining("allow pattern '('");
    }
}
