package io.claudebottle.sidecar;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SidecarConfigTest {
    static final String EXAMPLE = """
            { "bottle": "gitea-dev-3f9a", "bind": "0.0.0.0", "auditLog": "/run/bottle/audit.jsonl",
              "caCertFile": "/run/bottle/ca.pem",
              "supervise": { "port": 9100 },
              "egress":   { "port": 3128, "allowlist": ["api.anthropic.com", "*.example.com"], "passthrough": [],
                            "allowAddresses": [], "dlpExempt": {"up.example.com": ["aws-access-key-id"]},
                            "dlpRules": [{"id": "acme-key", "regex": "acme_[a-z0-9]{32}", "keywords": ["acme_"], "min_entropy": 3.0}],
                            "dlpAllow": ["EXAMPLE[A-Z0-9]+"], "extraTrustedCaFiles": [] },
              "credProxy": { "port": 9099, "routes": [ {"path": "/anthropic/", "upstream": "https://api.anthropic.com",
                             "authScheme": "Bearer", "tokenRef": "CLAUDE_BOTTLE_OAUTH_TOKEN", "role": "anthropic-base-url"} ] },
              "gitGate":  { "port": 9418, "stateDir": "/var/lib/bottle/git", "repos": [] } }
            """;

    @Test
    void readsTheDocumentedExample() {
        SidecarConfig c = SidecarConfig.parse(EXAMPLE, "example.json");
        assertThat(c.bottle()).isEqualTo("gitea-dev-3f9a");
        assertThat(c.auditLog()).isEqualTo(Path.of("/run/bottle/audit.jsonl"));
        assertThat(c.supervise().port()).isEqualTo(9100);
        assertThat(c.egress().allowlist()).containsExactly("api.anthropic.com", "*.example.com");
        assertThat(c.egress().dlpExempt()).containsEntry("up.example.com", List.of("aws-access-key-id"));
        assertThat(c.egress().dlpRules().getFirst().toRule().minEntropy()).isEqualTo(3.0);
    }

    @Test
    void defaultsWhatMayBeOmitted() {
        SidecarConfig c = SidecarConfig.parse("{\"bottle\":\"b\",\"auditLog\":\"a\",\"caCertFile\":\"c\",\"egress\":{}}", "x");
        assertThat(c.bind()).isEqualTo("127.0.0.1");
        assertThat(c.supervise().port()).isZero();
        assertThat(c.egress().port()).isZero();
        assertThat(c.egress().allowlist()).isEmpty();
    }

    @Test
    void errorsNameTheFileAndTheKey() {
        assertThatThrownBy(() -> SidecarConfig.parse("{\"bottle\":\"b\",\"auditLog\":\"a\",\"caCertFile\":\"c\",\"egres\":{}}", "cfg.json"))
                .hasMessageContaining("cfg.json").hasMessageContaining("unknown key \"egres\"").hasMessageContaining("egress");
        assertThatThrownBy(() -> SidecarConfig.parse("{\"bottle\":\"b\",\"auditLog\":\"a\",\"caCertFile\":\"c\",\"egress\":{\"alowlist\":[]}}", "cfg.json"))
                .hasMessageContaining("unknown key \"alowlist\"");
        assertThatThrownBy(() -> SidecarConfig.parse("{\"auditLog\":\"a\",\"caCertFile\":\"c\"}", "cfg.json"))
                .hasMessageContaining("cfg.json").hasMessageContaining("\"bottle\" is required");
        assertThatThrownBy(() -> SidecarConfig.parse("{\"bottle\":\"b\",\"auditLog\":\"a\",\"caCertFile\":\"c\",\"egress\":{\"port\":70000}}", "cfg.json"))
                .hasMessageContaining("\"egress.port\" must be 0-65535");
        assertThatThrownBy(() -> SidecarConfig.parse("{\"bottle\":\"b\",\"auditLog\":\"a\",\"caCertFile\":\"c\",\"egress\":{\"dlpRules\":[{\"id\":\"x\",\"regex\":\"(\"}]}}", "cfg.json"))
                .hasMessageContaining("rule x");
        assertThatThrownBy(() -> SidecarConfig.read(Path.of("/nonexistent/sidecar.json")))
                .hasMessageContaining("/nonexistent/sidecar.json");
    }

    private static final String HOST_KEY = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=";
    private static final String BASE = "{\"bottle\":\"b\",\"auditLog\":\"a\",\"caCertFile\":\"c\",";

    @Test
    void snakeCaseSpellingsAndEveryNestedSectionAreRead() {
        SidecarConfig c = SidecarConfig.parse(BASE + """
                "dns": {"port": 53},
                "credProxy": {"port": 9099, "routes": [{"path": "/gh/", "upstream": "https://api.github.com",
                              "auth_scheme": "token", "token_ref": "GH_TOKEN"}]},
                "egress": {"dlpRules": [{"id": "r", "regex": "r_[a-z]{20}", "secret_group": 0, "min_entropy": 2}]},
                "gitGate": {"port": 9418, "stateDir": "/s", "repos": [{"name": "app", "upstream": "ssh://git@h/app.git",
                            "identityFile": "/k", "knownHostKey": "%s", "extraHosts": {"h": "127.0.0.1"},
                            "forbidForcePush": true}]}}
                """.formatted(HOST_KEY), "x");
        assertThat(c.dns().port()).isEqualTo(53);
        assertThat(c.credProxy().routes().getFirst().authScheme()).isEqualTo("token");
        assertThat(c.credProxy().routes().getFirst().tokenRef()).isEqualTo("GH_TOKEN");
        assertThat(c.egress().dlpRules().getFirst().minEntropy()).isEqualTo(2.0);
        SidecarConfig.GitRepo repo = c.gitGate().repos().getFirst();
        assertThat(repo.identityFile()).isEqualTo(Path.of("/k"));
        assertThat(repo.extraHosts()).containsEntry("h", "127.0.0.1");
        assertThat(repo.forbidForcePush()).isTrue();
    }

    @Test
    void wrongTypesNullPortsAndNestedTyposAreRefusedByKey() {
        assertThatThrownBy(() -> SidecarConfig.parse(BASE + "\"egress\":{\"port\":\"3128\"}}", "cfg.json"))
                .hasMessageContaining("cfg.json").hasMessageContaining("\"egress.port\" must be a whole number");
        assertThatThrownBy(() -> SidecarConfig.parse(BASE + "\"supervise\":{\"port\":null}}", "cfg.json"))
                .hasMessageContaining("\"supervise.port\" must be a whole number");
        assertThatThrownBy(() -> SidecarConfig.parse(BASE + "\"egress\":{\"allowlist\":\"api.anthropic.com\"}}", "cfg.json"))
                .hasMessageContaining("\"egress.allowlist\" must be a list");
        assertThatThrownBy(() -> SidecarConfig.parse(BASE + "\"egress\":{\"allowlist\":[1]}}", "cfg.json"))
                .hasMessageContaining("\"egress.allowlist[0]\" must be a string");
        assertThatThrownBy(() -> SidecarConfig.parse(BASE + "\"credProxy\":{\"routes\":[{\"path\":\"/a/\",\"tokenref\":\"T\"}]}}", "cfg.json"))
                .hasMessageContaining("unknown key \"tokenref\" at \"credProxy.routes[0]\"").hasMessageContaining("tokenRef");
        assertThatThrownBy(() -> SidecarConfig.parse(BASE + "\"gitGate\":{\"repos\":[{\"forbidForcePush\":\"yes\"}]}}", "cfg.json"))
                .hasMessageContaining("\"gitGate.repos[0].forbidForcePush\" must be true or false");
        assertThatThrownBy(() -> SidecarConfig.parse("[]", "cfg.json")).hasMessageContaining("the top level must be an object");
        assertThatThrownBy(() -> SidecarConfig.parse("", "cfg.json")).hasMessageContaining("cfg.json");
        assertThatThrownBy(() -> SidecarConfig.parse("{\"bottle\":", "cfg.json")).hasMessageContaining("not valid JSON");
    }
}
