package io.claudebottle.credproxy;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestRouterTest {
    final RequestRouter router = new RequestRouter(List.of(
            Route.of("/anthropic/", "https://api.anthropic.com", "Bearer", "CLAUDE_BOTTLE_OAUTH_TOKEN", "anthropic-base-url"),
            Route.of("/gh/", "https://github.com", "Bearer", "GH_PAT", "git-insteadof"),
            Route.of("/gh/api/", "https://api.github.com/v3/", "token", "GH_PAT", null)),
            Map.of("CLAUDE_BOTTLE_OAUTH_TOKEN", "sk-ant-oat01-xyz", "GH_PAT", "ghp_abc")::get);

    Decision decide(HttpMethod method, String uri) {
        return router.decide(new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri));
    }

    @ParameterizedTest
    @CsvSource({
            "/anthropic/v1/messages?beta=true, api.anthropic.com, /v1/messages?beta=true",
            "/anthropic, api.anthropic.com, /",
            "/anthropic/, api.anthropic.com, /",
            "/gh/o/r.git/info/refs?service=git-upload-pack, github.com, /o/r.git/info/refs?service=git-upload-pack",
            "/gh/api/user, api.github.com, /v3/user",
            "/gh/api, api.github.com, /v3",
    })
    void mapsTheLongestMatchingRouteOntoItsUpstream(String uri, String host, String upstreamPath) {
        Decision.Forward forward = (Decision.Forward) decide(HttpMethod.GET, uri);
        assertThat(forward.route().upstreamHost()).isEqualTo(host);
        assertThat(forward.upstreamPathAndQuery()).isEqualTo(upstreamPath);
    }

    @ParameterizedTest
    @CsvSource({
            "/gh/o/r.git/git-receive-pack, 403",
            "/gh/o/r.git/info/refs?service=git-receive-pack, 403",
            "/gh/o/r.git/GIT-RECEIVE-PACK, 403",
            "/gh/o/r.git/git%2Dreceive%2dpack, 403",
            "/gh/../anthropic/v1/messages, 400",
            "/gh/%2e%2e/anthropic/x, 400",
            "/gh/./x, 400",
            "/gh/%zz, 400",
            "/elsewhere/x, 404",
            "/, 404",
            "http://github.com/gh/x, 400",
    })
    void refuses(String uri, int status) {
        Decision decision = decide(HttpMethod.POST, uri);
        assertThat(decision).isInstanceOfSatisfying(Decision.Refuse.class,
                refuse -> assertThat(refuse.status().code()).isEqualTo(status));
    }

    @Test
    void pushRefusalPointsAtTheGitGate() {
        Decision.Refuse refuse = (Decision.Refuse) decide(HttpMethod.GET, "/gh/o/r.git/info/refs?service=git-receive-pack");
        assertThat(refuse.status()).isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(refuse.message()).contains("git-gate").contains("git:");
    }

    @Test
    void connectIsRefused() {
        assertThat(decide(HttpMethod.CONNECT, "github.com:443")).isInstanceOf(Decision.Refuse.class);
    }

    @Test
    void missingTokenNamesTheVariable() {
        RequestRouter empty = new RequestRouter(List.of(Route.of("/npm/", "https://registry.example", "Bearer", "NPM_TOKEN", null)),
                name -> null);
        Decision.Refuse refuse = (Decision.Refuse) empty.decide(
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/npm/x"));
        assertThat(refuse.status()).isEqualTo(HttpResponseStatus.BAD_GATEWAY);
        assertThat(refuse.message()).contains("NPM_TOKEN").contains("/npm/").contains("bottle start");
    }

    @ParameterizedTest
    @CsvSource({
            "Bearer, abc, authorization, Bearer abc",
            "token, abc, authorization, token abc",
            "Basic, user:pw, authorization, Basic dXNlcjpwdw==",
            "Basic, dXNlcjpwdw==, authorization, Basic dXNlcjpwdw==",
            "Bearer, sk-ant-api03-abc, x-api-key, sk-ant-api03-abc",
            "token, sk-ant-oat01-abc, authorization, Bearer sk-ant-oat01-abc",
    })
    void credentialShapeRule(String scheme, String token, String name, String value) {
        Credential credential = Credential.inject(scheme, token);
        assertThat(credential.headerName()).isEqualTo(name);
        assertThat(credential.headerValue()).isEqualTo(value);
        assertThat(credential.toString()).doesNotContain(token);
    }

    @ParameterizedTest
    @CsvSource({
            "https://api.github.com/v3/user?x=1, /gh/api/user?x=1",
            "/v3/repos/o, /gh/api/repos/o",
            "https://api.github.com:443/v3, /gh/api/",
            "https://evil.example/v3/user, https://evil.example/v3/user",
            "http://api.github.com/v3/user, http://api.github.com/v3/user",
            "https://api.github.com:8443/v3/user, https://api.github.com:8443/v3/user",
            "//evil.example/v3/x, //evil.example/v3/x",
            "/elsewhere, /elsewhere",
            "relative/path, relative/path",
    })
    void redirectsStayOnTheRouteOnlyWhenTheyStayOnItsUpstream(String location, String rewritten) {
        Route route = Route.of("/gh/api/", "https://api.github.com/v3", "token", "GH_PAT", null);
        assertThat(LocationRewriter.rewrite(location, route)).isEqualTo(rewritten);
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic/", "/anthropic", "/a b/", "/../", ""})
    void rejectsBadRoutePaths(String path) {
        assertThatThrownBy(() -> Route.of(path, "https://x.example", "Bearer", "T", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("path");
    }

    @Test
    void rejectsBadRouteFields() {
        assertThatThrownBy(() -> Route.of("/a/", "http://x.example", "Bearer", "T", null))
                .hasMessageContaining("https://");
        assertThatThrownBy(() -> Route.of("/a/", "https://user:pw@x.example", "Bearer", "T", null))
                .hasMessageContaining("user info");
        assertThatThrownBy(() -> Route.of("/a/", "https://x.example", "Bearer x", "T", null))
                .hasMessageContaining("auth_scheme");
        assertThatThrownBy(() -> Route.of("/a/", "https://x.example", "Bearer", "ghp_abc-def", null))
                .hasMessageContaining("token_ref");
        assertThatThrownBy(() -> Route.of("/a/", "https://x.example", "Bearer", "T", "npm"))
                .hasMessageContaining("npm-registry");
    }
}
