package io.claudebottle.credproxy;

import com.sun.net.httpserver.HttpExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real Claude Code binary, talking to a fake Messages API through the cred-proxy: it must get
 * the fake reply while holding only the placeholder, and the upstream must see only the real token.
 */
class ClaudeCodeTest {
    static final String REPLY = "Hello from the fake Messages API, via the cred-proxy";
    static final List<String> SSE = List.of(
            "message_start", """
                    {"type":"message_start","message":{"id":"msg_fake_1","type":"message","role":"assistant",\
                    "model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,\
                    "usage":{"input_tokens":12,"output_tokens":1}}}""",
            "content_block_start", """
                    {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""",
            "content_block_delta", """
                    {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"%s"}}""".formatted(REPLY),
            "content_block_stop", """
                    {"type":"content_block_stop","index":0}""",
            "message_delta", """
                    {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}""",
            "message_stop", """
                    {"type":"message_stop"}""");

    static TestCa ca;
    final String realToken = "sk-ant-oat01-" + HexFormat.of().formatHex(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14})
            + "-RealOAuthTokenOnlyTheSidecarHolds";
    final List<AutoCloseable> toClose = new ArrayList<>();
    final List<CredProxyEvent> audit = new CopyOnWriteArrayList<>();

    @TempDir
    Path home;

    @BeforeAll
    static void requireClaude() {
        boolean available = onPath("claude");
        Assumptions.assumeTrue(available || Boolean.getBoolean("bottle.requireAll"),
                "claude (Claude Code) is not on PATH; scripts/test installs it as root");
        ca = TestCa.mint("claude-code test CA");
    }

    static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) return true;
        }
        return false;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) c.close();
    }

    FakeUpstream fakeMessagesApi(String... names) throws IOException {
        FakeUpstream api = new FakeUpstream(ca.serverContext(names), "127.0.0.1").on("/", ClaudeCodeTest::messagesApi);
        toClose.add(api);
        return api;
    }

    static void messagesApi(HttpExchange exchange, byte[] body) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (exchange.getRequestMethod().equals("HEAD") || path.equals("/")) {
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        if (!path.equals("/v1/messages")) {
            FakeUpstream.text(exchange, 404, "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"fake\"}}");
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("request-id", "req_fake");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            for (int i = 0; i < SSE.size(); i += 2) {
                out.write(("event: " + SSE.get(i) + "\ndata: " + SSE.get(i + 1) + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
    }

    @Test
    void claudeGetsTheFakeReplyHoldingOnlyThePlaceholder() throws Exception {
        FakeUpstream api = fakeMessagesApi("127.0.0.1");
        List<Route> routes = List.of(
                Route.of("/anthropic/", api.origin(), "Bearer", "CLAUDE_BOTTLE_OAUTH_TOKEN", "anthropic-base-url"));
        CredProxy proxy = CredProxy.start(new CredProxySettings("127.0.0.1", 0, routes, Optional.empty(),
                List.of(ca.certificate()), Map.of("CLAUDE_BOTTLE_OAUTH_TOKEN", realToken)::get, audit::add));
        toClose.add(proxy);

        runClaudeAndCheck(routes, proxy, api);
    }

    @Test
    void claudeThroughCredProxyAndEgressProxy() throws Exception {
        FakeUpstream api = fakeMessagesApi("api.anthropic.test");
        EgressFixture egress = new EgressFixture(ca, home, List.of("api.anthropic.test:" + api.port()), Set.of(realToken));
        toClose.add(egress);
        List<Route> routes = List.of(Route.of("/anthropic/", "https://api.anthropic.test:" + api.port(), "Bearer",
                "CLAUDE_BOTTLE_OAUTH_TOKEN", "anthropic-base-url"));
        CredProxy proxy = CredProxy.start(egress.credProxySettings(routes,
                Map.of("CLAUDE_BOTTLE_OAUTH_TOKEN", realToken)::get, audit::add));
        toClose.add(proxy);

        runClaudeAndCheck(routes, proxy, api);
        assertThat(egress.auditLines()).contains("api.anthropic.test").doesNotContain(realToken);
    }

    void runClaudeAndCheck(List<Route> routes, CredProxy proxy, FakeUpstream api) throws Exception {
        AgentSideConfig agent = AgentSideConfig.forRoutes(routes, "127.0.0.1:" + proxy.port());
        ProcessBuilder builder = new ProcessBuilder("claude", "-p", "hello there")
                .directory(home.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(home.resolve("stdout.txt").toFile())
                .redirectError(home.resolve("stderr.txt").toFile());
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        env.put("HOME", home.toString());
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.putAll(agent.env());
        // As in a bottle, everything not in NO_PROXY goes to a proxy: here a loopback trap that
        // records any attempt, so the test also proves Claude Code sent nothing anywhere else.
        List<String> strayTraffic = new CopyOnWriteArrayList<>();
        ServerSocket trap = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        toClose.add(trap);
        Thread.ofVirtual().start(() -> {
            while (!trap.isClosed()) {
                try (Socket stray = trap.accept()) {
                    stray.setSoTimeout(2_000);
                    strayTraffic.add(new String(stray.getInputStream().readNBytes(200), StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    if (!trap.isClosed()) strayTraffic.add("connection: " + e.getMessage());
                }
            }
        });
        String trapUrl = "http://127.0.0.1:" + trap.getLocalPort();
        for (String name : List.of("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")) env.put(name, trapUrl);
        assertThat(env.toString()).doesNotContain(realToken);

        Process claude = builder.start();
        boolean exited = claude.waitFor(120, TimeUnit.SECONDS); // it retries forever on TLS errors
        if (!exited) {
            claude.descendants().forEach(ProcessHandle::destroyForcibly);
            claude.destroyForcibly();
        }
        String stdout = Files.readString(home.resolve("stdout.txt"));
        String stderr = Files.readString(home.resolve("stderr.txt"));
        String report = "exited=" + exited + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr
                + "\nupstream saw: " + api.seen.stream().map(s -> s.method() + " " + s.uri()).toList()
                + "\naudit: " + audit;
        assertThat(exited).as(report).isTrue();
        assertThat(claude.exitValue()).as(report).isZero();
        assertThat(stdout).as(report).contains(REPLY);
        assertThat(strayTraffic).as("requests Claude Code sent past the cred-proxy").isEmpty();

        List<FakeUpstream.Seen> posts = api.seen.stream()
                .filter(s -> s.method().equals("POST") && s.uri().startsWith("/v1/messages")).toList();
        assertThat(posts).as(report).isNotEmpty();
        for (FakeUpstream.Seen seen : api.seen) {
            String credentials = seen.headers().getOrDefault("Authorization", List.of()) + " "
                    + seen.headers().getOrDefault("X-api-key", List.of());
            assertThat(credentials).as(report).doesNotContain(AgentSideConfig.PLACEHOLDER_TOKEN);
        }
        assertThat(posts.getFirst().headers().get("Authorization")).containsExactly("Bearer " + realToken);
        assertThat(stdout + stderr).doesNotContain(realToken);
        assertThat(audit.toString()).doesNotContain(realToken);
        try (var files = Files.walk(home)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(file, StandardCharsets.ISO_8859_1)).as(file.toString()).doesNotContain(realToken);
            }
        }
        System.out.println("claude -p printed: " + stdout.strip() + "   (upstream saw "
                + api.seen.stream().map(s -> s.method() + " " + s.uri()).toList() + ")");
    }
}
