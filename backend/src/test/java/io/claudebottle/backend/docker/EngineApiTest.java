package io.claudebottle.backend.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Engine API calls over a scripted transport: paths, bodies, answers and errors. */
class EngineApiTest {

    /** Answers every request with the next scripted status and body, and remembers the requests. */
    private static final class ScriptedEngine implements DockerHttpClient {
        final List<Request> requests = new ArrayList<>();
        final List<String> bodies = new ArrayList<>();
        private final List<Map.Entry<Integer, String>> answers;

        ScriptedEngine(List<Map.Entry<Integer, String>> answers) {
            this.answers = new ArrayList<>(answers);
        }

        @Override
        public Response execute(Request request) {
            requests.add(request);
            try {
                InputStream body = request.body();
                bodies.add(body == null ? null : new String(body.readAllBytes(), StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            Map.Entry<Integer, String> answer = answers.removeFirst();
            return new Response() {
                @Override
                public int getStatusCode() {
                    return answer.getKey();
                }

                @Override
                public Map<String, List<String>> getHeaders() {
                    return Map.of();
                }

                @Override
                public InputStream getBody() {
                    return new ByteArrayInputStream(answer.getValue().getBytes(StandardCharsets.UTF_8));
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public void close() {
        }
    }

    @Test
    void postsJsonAndReadsTheAnswersJson() {
        var engine = new ScriptedEngine(List.of(Map.entry(201, "{\"Id\":\"abc\",\"Warnings\":[]}")));
        var body = EngineApi.object().put("Image", "img:1");
        String id = new EngineApi(engine).post("/containers/create?name=x", body).path("Id").asString();

        assertThat(id).isEqualTo("abc");
        assertThat(engine.requests.getFirst().method()).isEqualTo("POST");
        assertThat(engine.requests.getFirst().path()).isEqualTo("/containers/create?name=x");
        assertThat(engine.requests.getFirst().headers()).containsEntry("Content-Type", "application/json");
        assertThat(engine.bodies.getFirst()).isEqualTo("{\"Image\":\"img:1\"}");
    }

    @Test
    void anEmptyOrPlainTextAnswerIsAnEmptyObject() {
        var engine = new ScriptedEngine(List.of(Map.entry(204, ""), Map.entry(200, "OK")));
        var api = new EngineApi(engine);

        assertThat(api.post("/containers/x/start", null).isEmpty()).isTrue();
        api.ping();
        assertThat(engine.bodies).containsOnlyNulls();
    }

    @Test
    void anErrorAnswerThrowsWithTheEnginesMessageAndStatus() {
        var engine = new ScriptedEngine(List.of(Map.entry(409, "{\"message\":\"network with name x already exists\"}"),
                Map.entry(500, "plain failure")));
        var api = new EngineApi(engine);

        assertThatThrownBy(() -> api.post("/networks/create", EngineApi.object()))
                .isInstanceOfSatisfying(EngineApi.EngineException.class, e -> assertThat(e.status()).isEqualTo(409))
                .hasMessageContaining("POST /networks/create answered 409: network with name x already exists");
        assertThatThrownBy(() -> api.get("/info"))
                .isInstanceOfSatisfying(EngineApi.EngineException.class, e -> assertThat(e.status()).isEqualTo(500))
                .hasMessageContaining("plain failure");
    }

    @Test
    void findIsEmptyOnlyForNotFound() {
        var engine = new ScriptedEngine(List.of(Map.entry(404, "{\"message\":\"No such image: a:b\"}"),
                Map.entry(200, "{\"Id\":\"sha256:1\"}"), Map.entry(500, "{\"message\":\"boom\"}")));
        var api = new EngineApi(engine);

        assertThat(api.find("/images/a:b/json")).isEmpty();
        assertThat(api.find("/images/a:b/json")).isPresent();
        assertThatThrownBy(() -> api.find("/images/a:b/json")).hasMessageContaining("boom");
    }

    @Test
    void filtersAreOneEncodedJsonQueryParameter() {
        String encoded = EngineApi.filters(Map.of("label", List.of("io.claudebottle.bottle-id=a b", "role=sidecar")));

        assertThat(encoded).doesNotContain(" ", "{", "\"", "=");
        assertThat(URLDecoder.decode(encoded, StandardCharsets.UTF_8))
                .isEqualTo("{\"label\":[\"io.claudebottle.bottle-id=a b\",\"role=sidecar\"]}");
    }

    @Test
    void containersAndNetworksAreListedByLabel() {
        var engine = new ScriptedEngine(List.of(Map.entry(200, "[{\"Id\":\"c1\"}]"), Map.entry(200, "[]")));
        var api = new EngineApi(engine);

        assertThat(api.containers(List.of("io.claudebottle.bottle-id=b1")).get(0).path("Id").asString()).isEqualTo("c1");
        assertThat(api.networks(List.of("io.claudebottle.bottle-id")).isEmpty()).isTrue();
        assertThat(engine.requests).extracting(r -> URLDecoder.decode(r.path(), StandardCharsets.UTF_8)).containsExactly(
                "/containers/json?all=1&filters={\"label\":[\"io.claudebottle.bottle-id=b1\"]}",
                "/networks?filters={\"label\":[\"io.claudebottle.bottle-id\"]}");
    }

    @Test
    void awaitExitReadsTheStatusCode() {
        var engine = new ScriptedEngine(List.of(Map.entry(200, "{\"Error\":null,\"StatusCode\":137}")));

        assertThat(new EngineApi(engine).awaitExit("c1")).isEqualTo(137);
        assertThat(engine.requests.getFirst().path()).isEqualTo("/containers/c1/wait");
    }

    @Test
    void execCreatesThenStartsAndSplitsTheOutputFrames() {
        // Docker's multiplexed stream: [stream, 0, 0, 0, size (4 bytes, big-endian)] then the payload
        String frames = "\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0003out"
                + "\u0002\u0000\u0000\u0000\u0000\u0000\u0000\u0003err";
        var engine = new ScriptedEngine(List.of(Map.entry(201, "{\"Id\":\"e1\"}"), Map.entry(200, frames)));
        List<String> seen = new ArrayList<>();

        new EngineApi(engine).exec("c1", List.of("cat", "/run/bottle/audit.jsonl"), true,
                frame -> seen.add(frame.getStreamType() + ":" + new String(frame.getPayload(), StandardCharsets.UTF_8)));

        assertThat(seen).containsExactly("STDOUT:out", "STDERR:err");
        assertThat(engine.requests).extracting(DockerHttpClient.Request::path)
                .containsExactly("/containers/c1/exec", "/exec/e1/start");
        assertThat(engine.bodies.getFirst())
                .isEqualTo("{\"AttachStdout\":true,\"AttachStderr\":true,\"Cmd\":[\"cat\",\"/run/bottle/audit.jsonl\"]}");
        assertThat(engine.bodies.get(1)).isEqualTo("{\"Detach\":false,\"Tty\":false}");
    }

    @Test
    void theUnixSocketTlsContextRefusesToBeUsed() {
        assertThatThrownBy(() -> DockerConnection.NoTls.CONFIG.getSSLContext().createSSLEngine())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> DockerConnection.NoTls.CONFIG.getSSLContext().getSocketFactory())
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
