package io.claudebottle.credproxy;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentSideConfigTest {
    static final List<Route> ROUTES = List.of(
            Route.of("/anthropic/", "https://api.anthropic.com", "Bearer", "CLAUDE_BOTTLE_OAUTH_TOKEN", "anthropic-base-url"),
            Route.of("/npm/", "https://registry.npmjs.example", "Bearer", "NPM_TOKEN", "npm-registry"),
            Route.of("/gh-git/", "https://github.com", "Bearer", "GH_PAT", "git-insteadof"),
            Route.of("/gitea/", "https://gitea.example:3000/", "token", "GITEA_TOKEN", "tea-login"),
            Route.of("/gitea-git/", "https://gitea.example:3000/", "token", "GITEA_TOKEN", "git-insteadof"),
            Route.of("/gh-api/", "https://api.github.com", "Bearer", "GH_PAT", null));

    @Test
    void rendersEnvAndFilesForEachRole() {
        AgentSideConfig config = AgentSideConfig.forRoutes(ROUTES);

        assertThat(config.env()).containsEntry("ANTHROPIC_BASE_URL", "http://cred-proxy:9099/anthropic")
                .containsEntry("CLAUDE_CODE_OAUTH_TOKEN", AgentSideConfig.PLACEHOLDER_TOKEN)
                .containsEntry("NO_PROXY", "pipelock,egress,cred-proxy,git-gate,supervise,localhost,127.0.0.1")
                .containsEntry("no_proxy", "pipelock,egress,cred-proxy,git-gate,supervise,localhost,127.0.0.1");
        assertThat(config.homeFiles().get(".npmrc")).isEqualTo("""
                registry=http://cred-proxy:9099/npm/
                //cred-proxy:9099/npm/:_authToken=%s
                """.formatted(AgentSideConfig.PLACEHOLDER_TOKEN));
        assertThat(config.homeFiles().get(".gitconfig")).isEqualTo("""
                [url "http://cred-proxy:9099/gh-git/"]
                \tinsteadOf = https://github.com/
                [url "http://cred-proxy:9099/gitea-git/"]
                \tinsteadOf = https://gitea.example:3000/
                """);
        Object tea = new Load(LoadSettings.builder().build())
                .loadFromString(config.homeFiles().get(".config/tea/config.yml"));
        assertThat(tea).isInstanceOfSatisfying(Map.class, map -> assertThat(map.get("logins")).isEqualTo(List.of(Map.of("name", "gitea.example", "url", "http://cred-proxy:9099/gitea",
                "token", AgentSideConfig.PLACEHOLDER_TOKEN, "default", true, "insecure", false))));
    }

    @Test
    void withoutRolesOnlyNoProxyIsSet() {
        AgentSideConfig config = AgentSideConfig.forRoutes(List.of(ROUTES.getLast()));
        assertThat(config.env()).containsOnlyKeys("NO_PROXY", "no_proxy");
        assertThat(config.homeFiles()).isEmpty();
    }

    @Test
    void noTokenValueAppearsAnywhere() {
        Map<String, String> tokens = Map.of("CLAUDE_BOTTLE_OAUTH_TOKEN", "sk-ant-oat01-REALREALREAL",
                "NPM_TOKEN", "npm_REALREALREAL", "GH_PAT", "ghp_REALREALREAL", "GITEA_TOKEN", "gitea-REALREALREAL");
        AgentSideConfig config = AgentSideConfig.forRoutes(ROUTES, "127.0.0.1:9099");
        String everything = config.env() + "\n" + config.homeFiles();
        tokens.values().forEach(token -> assertThat(everything).doesNotContain(token));
        assertThat(everything).doesNotContain("REAL");
        assertThat(config.env().get("ANTHROPIC_BASE_URL")).isEqualTo("http://127.0.0.1:9099/anthropic");
    }

    @Test
    void aRoleThatCanOnlyBeServedOnceIsRejectedTwice() {
        assertThatThrownBy(() -> AgentSideConfig.forRoutes(List.of(ROUTES.get(0),
                Route.of("/anthropic2/", "https://api.anthropic.com", "Bearer", "OTHER", "anthropic-base-url"))))
                .hasMessageContaining("/anthropic/").hasMessageContaining("/anthropic2/").hasMessageContaining("anthropic-base-url");
    }
}
