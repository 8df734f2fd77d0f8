package io.claudebottle.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BottlePolicyTest {
    @TempDir
    Path tmp;

    @Test
    void theSpecExamplesLoadUnchanged() {
        Path examples = Path.of(System.getProperty("bottle.repoRoot", "..")).resolve("examples");
        Manifests manifests = ManifestLoader.load(new ManifestLocations(examples, Optional.empty(), tmp));
        assertThat(manifests.errors()).isEmpty();
        BottlePolicy policy = manifests.policy("gitea-helper").orElseThrow();
        assertThat(policy.bottle()).isEqualTo("gitea-dev");
        assertThat(policy.skills()).containsExactly("init-prd");
        assertThat(policy.systemPrompt()).isEqualTo("You help maintain Gitea-hosted projects.");
        assertThat(policy.env()).containsEntry("GIT_AUTHOR_NAME", "didericis");
        assertThat(policy.git()).singleElement().satisfies(g -> {
            assertThat(g.name()).isEqualTo("claude-bottle");
            assertThat(g.upstream()).isEqualTo("ssh://git@gitea.dideric.is:30009/didericis/claude-bottle.git");
            assertThat(g.identityFile()).isEqualTo(Path.of("/Users/didericis/.ssh/id_ed25519_gitea"));
            assertThat(g.knownHostKey()).isEqualTo("ssh-ed25519 AAAA...");
        });
        assertThat(policy.credRoutes()).extracting(CredRoute::path, CredRoute::tokenRef, CredRoute::role).containsExactly(
                org.assertj.core.groups.Tuple.tuple("/anthropic/", "CLAUDE_BOTTLE_OAUTH_TOKEN", CredRoute.Role.ANTHROPIC_BASE_URL),
                org.assertj.core.groups.Tuple.tuple("/gh-api/", "GH_PAT", null),
                org.assertj.core.groups.Tuple.tuple("/gh-git/", "GH_PAT", CredRoute.Role.GIT_INSTEADOF),
                org.assertj.core.groups.Tuple.tuple("/npm/", "NPM_TOKEN", CredRoute.Role.NPM_REGISTRY));
        assertThat(policy.egress().hosts()).containsExactly("api.anthropic.com", "claude.ai", "statsig.anthropic.com",
                "github.com", "registry.npmjs.org", "pypi.org");
        // The spec's /gh-api/ route goes to a host its allowlist lacks: a warning, not an error.
        assertThat(manifests.warnings()).extracting(Diagnostic::message)
                .anyMatch(m -> m.contains("goes to api.github.com, which is not in egress.allowlist"));
    }

    @Test
    void effectiveAllowlistIsDefaultsThenManifestWithoutDuplicates() {
        ManifestFixture fx = new ManifestFixture(tmp);
        fx.bottle("b", "egress:\n  allowlist: [api.anthropic.com, github.com, github.com]\n").agent("a", "bottle: b\n");
        EgressPolicy egress = fx.load().policy("a").orElseThrow().egress();
        assertThat(egress.allowlist()).extracting(AllowedHost::host, AllowedHost::builtIn).containsExactly(
                org.assertj.core.groups.Tuple.tuple("api.anthropic.com", true),
                org.assertj.core.groups.Tuple.tuple("claude.ai", true),
                org.assertj.core.groups.Tuple.tuple("statsig.anthropic.com", true),
                org.assertj.core.groups.Tuple.tuple("github.com", false));
        assertThat(egress.allowlist().stream().filter(AllowedHost::builtIn)).allMatch(h -> !h.reason().isBlank());
    }

    @Test
    void aBottleWithoutEgressGetsTheDefaults() {
        ManifestFixture fx = new ManifestFixture(tmp);
        fx.bottle("b", "").agent("a", "bottle: b\n");
        assertThat(fx.load().policy("a").orElseThrow().egress().allowlist()).isEqualTo(DefaultEgress.HOSTS);
    }

    @Test
    void theFullManifestResolves() {
        ManifestFixture fx = new ManifestFixture(tmp);
        fx.bottle("b", """
                env: { PORT: 8080, NAME: "x" }
                git:
                  - Name: repo.git
                    Upstream: git@h.example:o/r.git
                    IdentityFile: ~/.ssh/id
                    KnownHostKey: ssh-ed25519 AAAAC3Nz
                    ExtraHosts: { "h.example": "100.64.0.7" }
                    ForbidForcePush: true
                egress:
                  allowlist: [pinned.example.com, "uploads.example.com"]
                  passthrough: [pinned.example.com]
                  allow_addresses: ["127.0.0.1", "10.0.0.0/8"]
                  dlp_exempt: { "uploads.example.com": [aws-access-token] }
                dlp:
                  rules:
                    - { id: acme-key, description: "ACME key", regex: "acme_([a-z0-9]{32})", keywords: [acme_], min_entropy: 3.0, secret_group: 1 }
                  allow: ["EXAMPLE[A-Z0-9]+"]
                """).agent("a", "bottle: b\n");
        BottlePolicy policy = fx.load().policy("a").orElseThrow();
        assertThat(policy.env()).containsExactly(java.util.Map.entry("PORT", "8080"), java.util.Map.entry("NAME", "x"));
        GitUpstream git = policy.git().getFirst();
        assertThat(git.identityFile()).isEqualTo(fx.userHome.resolve(".ssh/id"));
        assertThat(git.extraHosts()).containsEntry("h.example", "100.64.0.7");
        assertThat(git.forbidForcePush()).isTrue();
        assertThat(policy.egress().passthrough()).containsExactly("pinned.example.com");
        assertThat(policy.egress().allowAddresses()).containsExactly("127.0.0.1", "10.0.0.0/8");
        assertThat(policy.egress().dlpExempt()).containsEntry("uploads.example.com", java.util.List.of("aws-access-token"));
        assertThat(policy.dlp().rules()).singleElement().isEqualTo(new DlpRuleSpec("acme-key", "ACME key",
                "acme_([a-z0-9]{32})", java.util.List.of("acme_"), 3.0, 1));
        assertThat(policy.dlp().allow()).containsExactly("EXAMPLE[A-Z0-9]+");
    }

    @Test
    void thePolicyIsImmutable() {
        ManifestFixture fx = new ManifestFixture(tmp);
        fx.bottle("b", "env: { A: x }\negress: { allowlist: [github.com] }\n").agent("a", "bottle: b\nskills: [s]\n");
        BottlePolicy policy = fx.load().policy("a").orElseThrow();
        assertThatThrownBy(() -> policy.env().put("B", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> policy.skills().add("t")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> policy.egress().allowlist().add(new AllowedHost("evil.example", false, "")))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
