package io.claudebottle.cli.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The demo's scripted model, on this machine: a fake Messages API (streaming SSE like the real one)
 * that answers each demo prompt with a Bash {@code tool_use}, then reads the {@code tool_result}
 * Claude Code sends back. Also serves the allowlisted upload endpoint the DLP step posts to, which
 * records whatever reaches it (nothing should).
 */
public final class FakeMessagesApi implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String MODEL = "claude-sonnet-4-5";
    /** Upload-host path that makes the git upstream move on (the clone/fetch check). */
    public static final String ADVANCE_PATH = "/bottle-demo/advance";
    /** API path of the long SSE answer (the streaming check). */
    public static final String SSE_PATH = "/v1/bottle-demo/sse";
    static final int SSE_EVENTS = 300;
    static final int SSE_GAP_MILLIS = 20;

    private final HttpsServer server;
    private final String expectedToken;
    private final Map<String, DemoScenario> toolUses = new ConcurrentHashMap<>();
    private final Map<DemoScenario, String> toolResults = new ConcurrentHashMap<>();
    private final Map<DemoScenario, String> replies = new ConcurrentHashMap<>();
    private final List<String> credentialsSeen = new CopyOnWriteArrayList<>();
    private final List<String> uploadsReceived = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final List<String> requestLog = new CopyOnWriteArrayList<>();
    private volatile java.util.function.Supplier<DemoFacts> facts;
    private volatile Runnable onAdvance = () -> { };
    private volatile long sseFinishedMillis;
    private volatile long sseStartedMillis;

    private FakeMessagesApi(HttpsServer server, String expectedToken) {
        this.server = server;
        this.expectedToken = expectedToken;
    }

    /** Listens on {@code bindAddress}, any port, with a certificate for the API and upload host names. */
    public static FakeMessagesApi start(DemoCa ca, String bindAddress, String expectedToken) throws IOException {
        SSLContext tls = ca.serverContext(List.of(DemoHosts.API, DemoHosts.UPLOADS));
        HttpsServer server = HttpsServer.create(new InetSocketAddress(bindAddress, 0), 32);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        FakeMessagesApi api = new FakeMessagesApi(server, expectedToken);
        server.createContext("/", api::handle);
        server.start();
        return api;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Where the scripted commands get their facts from when they are handed out (default: just the port). */
    public void facts(java.util.function.Supplier<DemoFacts> facts) {
        this.facts = facts;
    }

    /** What a POST to {@link #ADVANCE_PATH} on the upload host does (the git upstream gets a commit). */
    public void onAdvance(Runnable onAdvance) {
        this.onAdvance = onAdvance;
    }

    /** When this upstream sent the first and the last event of the long SSE answer (epoch ms; 0 if never). */
    public long sseStartedMillis() {
        return sseStartedMillis;
    }

    public long sseFinishedMillis() {
        return sseFinishedMillis;
    }

    private DemoFacts facts() {
        var f = facts;
        return f == null ? new DemoFacts(port(), 0, 0, List.of()) : f.get();
    }

    /** What the Bash command printed inside the bottle, as Claude Code reported it back. */
    public Optional<String> toolResult(DemoScenario scenario) {
        return Optional.ofNullable(toolResults.get(scenario));
    }

    /** The scripted model's final reply for a step (proof the agent loop went all the way round). */
    public Optional<String> reply(DemoScenario scenario) {
        return Optional.ofNullable(replies.get(scenario));
    }

    /** The credential header of every Messages API request, as this upstream received it. */
    public List<String> credentialsSeen() {
        return List.copyOf(credentialsSeen);
    }

    /** One line per Messages API request (tools offered, the last message), for diagnosing a failed demo. */
    public List<String> requestLog() {
        return List.copyOf(requestLog);
    }

    /** Requests that reached the upload endpoint (DLP should have stopped every one). */
    public List<String> uploadsReceived() {
        return List.copyOf(uploadsReceived);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String host = String.valueOf(exchange.getRequestHeaders().getFirst("Host"));
            String path = exchange.getRequestURI().getPath();
            if (host.startsWith(DemoHosts.UPLOADS) && path.equals(ADVANCE_PATH) && body.length == 0) {
                onAdvance.run();
                send(exchange, 200, "application/json", "{\"advanced\":true}");
            } else if (host.startsWith(DemoHosts.UPLOADS)) {
                uploadsReceived.add(exchange.getRequestMethod() + " " + path + " (" + body.length + " bytes)");
                send(exchange, 200, "application/json", "{\"stored\":true}");
            } else if (path.equals(SSE_PATH)) {
                String auth = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"));
                if (!auth.equals("Bearer " + expectedToken)) {
                    send(exchange, 401, "application/json", "{\"type\":\"error\"}");
                    return;
                }
                longStream(exchange);
            } else if (path.equals("/v1/messages/count_tokens")) {
                send(exchange, 200, "application/json", "{\"input_tokens\":12}");
            } else if (path.equals("/v1/messages") && exchange.getRequestMethod().equals("POST")) {
                String auth = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"));
                String apiKey = exchange.getRequestHeaders().getFirst("X-api-key");
                credentialsSeen.add(apiKey == null ? auth : auth + " x-api-key:" + apiKey);
                if (!auth.equals("Bearer " + expectedToken)) {
                    send(exchange, 401, "application/json",
                            "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"demo: wrong token\"}}");
                    return;
                }
                messages(exchange, JSON.readTree(body));
            } else if (exchange.getRequestMethod().equals("HEAD") || path.equals("/")) {
                exchange.sendResponseHeaders(200, -1);
            } else {
                send(exchange, 404, "application/json",
                        "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"demo: no such endpoint\"}}");
            }
        }
    }

    private void messages(HttpExchange exchange, JsonNode request) throws IOException {
        JsonNode last = request.path("messages").path(request.path("messages").size() - 1);
        ObjectNode block;
        String stopReason;
        Optional<ToolResult> result = toolResult(last);
        // Claude Code may put context blocks after the prompt, so the whole conversation is searched.
        StringBuilder conversation = new StringBuilder();
        request.path("messages").forEach(m -> conversation.append(text(m.path("content"))));
        Optional<DemoScenario> asked = result.isPresent() ? Optional.empty() : scenarioAsked(conversation.toString());
        boolean offersBash = false;
        for (JsonNode tool : request.path("tools")) {
            offersBash |= "Bash".equals(tool.path("name").asString(""));
        }
        List<String> toolNames = new java.util.ArrayList<>();
        request.path("tools").forEach(t -> toolNames.add(t.path("name").asString("?")));
        requestLog.add("tools=" + toolNames + " stream=" + request.path("stream").asBoolean(false) + " last="
                + last.path("content").toString().substring(0, Math.min(400, last.path("content").toString().length())));
        if (result.isPresent() && toolUses.containsKey(result.get().toolUseId())) {
            DemoScenario scenario = toolUses.get(result.get().toolUseId());
            toolResults.put(scenario, result.get().text());
            String reply = "Demo step " + scenario.name() + " done; the bottle answered:\n" + result.get().text().strip();
            replies.put(scenario, reply);
            block = JSON.createObjectNode().put("type", "text").put("text", reply);
            stopReason = "end_turn";
        } else if (asked.isPresent() && offersBash) {
            String id = "toolu_demo_" + ids.incrementAndGet();
            toolUses.put(id, asked.get());
            block = JSON.createObjectNode().put("type", "tool_use").put("id", id).put("name", "Bash");
            block.putObject("input").put("command", asked.get().command(facts()))
                    .put("description", "bottle demo: " + asked.get().protection());
            stopReason = "tool_use";
        } else {
            // Claude Code's side requests (titles, topic checks) get a short, harmless answer.
            block = JSON.createObjectNode().put("type", "text").put("text", "Hello from the bottle demo's scripted model.");
            stopReason = "end_turn";
        }
        if (request.path("stream").asBoolean(false)) {
            stream(exchange, block, stopReason);
        } else {
            ObjectNode message = message(stopReason);
            message.putArray("content").add(block);
            send(exchange, 200, "application/json", message.toString());
        }
    }

    private ObjectNode message(String stopReason) {
        ObjectNode message = JSON.createObjectNode().put("id", "msg_demo_" + ids.incrementAndGet()).put("type", "message")
                .put("role", "assistant").put("model", MODEL);
        message.put("stop_reason", stopReason).putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", 12).put("output_tokens", 9);
        return message;
    }

    private void stream(HttpExchange exchange, ObjectNode block, String stopReason) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("request-id", "req_demo");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        ObjectNode start = message(null);
        start.putArray("content");
        start.putNull("stop_reason");
        event(out, "message_start", JSON.createObjectNode().put("type", "message_start").set("message", start));
        ObjectNode delta;
        ObjectNode startBlock = block.deepCopy();
        if ("tool_use".equals(block.path("type").asString())) {
            startBlock.putObject("input");
            delta = JSON.createObjectNode().put("type", "input_json_delta").put("partial_json", block.path("input").toString());
        } else {
            startBlock.put("text", "");
            delta = JSON.createObjectNode().put("type", "text_delta").put("text", block.path("text").asString());
        }
        event(out, "content_block_start", JSON.createObjectNode().put("type", "content_block_start").put("index", 0)
                .set("content_block", startBlock));
        event(out, "content_block_delta", JSON.createObjectNode().put("type", "content_block_delta").put("index", 0)
                .set("delta", delta));
        event(out, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0));
        ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
        messageDelta.putObject("usage").put("output_tokens", 9);
        event(out, "message_delta", messageDelta);
        event(out, "message_stop", JSON.createObjectNode().put("type", "message_stop"));
        out.close();
    }

    /** Many small events, spaced out: a buffering proxy would hold the early ones back until the end. */
    private void longStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        sseStartedMillis = System.currentTimeMillis();
        for (int i = 0; i < SSE_EVENTS; i++) {
            event(out, "ping", JSON.createObjectNode().put("type", "ping").put("i", i).put("sent", System.currentTimeMillis()));
            try {
                Thread.sleep(SSE_GAP_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        sseFinishedMillis = System.currentTimeMillis();
        out.close();
    }

    private static void event(OutputStream out, String name, JsonNode data) throws IOException {
        out.write(("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private record ToolResult(String toolUseId, String text) {
    }

    private static Optional<ToolResult> toolResult(JsonNode message) {
        if (message.path("content") instanceof ArrayNode blocks) {
            for (JsonNode b : blocks) {
                if ("tool_result".equals(b.path("type").asString(""))) {
                    return Optional.of(new ToolResult(b.path("tool_use_id").asString(""), text(b.path("content"))));
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<DemoScenario> scenarioAsked(String text) {
        for (DemoScenario s : DemoScenario.values()) {
            if (text.contains(s.marker())) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** A message's content as plain text: a string, or the text of its blocks. */
    private static String text(JsonNode content) {
        if (content.isString()) {
            return content.asString();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode b : content) {
            if (b.has("text")) {
                text.append(b.path("text").asString("")).append('\n');
            } else if (b.has("content")) {
                text.append(text(b.path("content")));
            }
        }
        return text.toString();
    }
}
