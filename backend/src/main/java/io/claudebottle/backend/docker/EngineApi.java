package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.core.command.FrameReader;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import io.claudebottle.backend.BackendException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The Docker Engine API calls of a bottle's start, as JSON trees over docker-java's own transport
 * (the same connection, the same {@code DOCKER_HOST} and TLS settings). docker-java's command
 * classes bind every request and answer to its model classes with Jackson 2; building those
 * (de)serializers in a fresh launcher cost a start about half a second of CPU on a 2-core machine,
 * where the sidecar starting next to it needed that CPU. Streams (logs, attach, exec) are read
 * with docker-java's {@link FrameReader}; its client remains for image builds, pruning and the
 * runtime probe.
 */
final class EngineApi {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DockerHttpClient http;

    EngineApi(DockerHttpClient http) {
        this.http = http;
    }

    /** The API on the transport of a client {@link DockerConnection} opened. */
    static EngineApi of(DockerClient docker) {
        return new EngineApi(transportOf(docker));
    }

    static DockerHttpClient transportOf(DockerClient docker) {
        if (docker instanceof DockerClientImpl impl) {
            return impl.getHttpClient();
        }
        throw new IllegalArgumentException("not a docker-java DockerClientImpl: " + docker.getClass().getName());
    }

    /** {@code GET path}; a 404 is empty. */
    Optional<JsonNode> find(String path) {
        Answer answer = call(DockerHttpClient.Request.Method.GET, path, null);
        if (answer.status() == 404) {
            return Optional.empty();
        }
        return Optional.of(answer.require("GET " + path));
    }

    JsonNode get(String path) {
        return call(DockerHttpClient.Request.Method.GET, path, null).require("GET " + path);
    }

    /** {@code POST path} with a JSON body (or none); the answer's JSON, or an empty object for none. */
    JsonNode post(String path, JsonNode body) {
        return call(DockerHttpClient.Request.Method.POST, path, body).require("POST " + path);
    }

    /**
     * {@code method path} whose answer is a stream (logs, a container's wait): its body, open until
     * the caller closes the response.
     */
    DockerHttpClient.Response stream(DockerHttpClient.Request.Method method, String path) {
        return requireSuccess(http.execute(request(method, path, null)), method + " " + path);
    }

    private static DockerHttpClient.Response requireSuccess(DockerHttpClient.Response response, String request) {
        if (response.getStatusCode() >= 400) {
            try (response) {
                new Answer(response.getStatusCode(), response.getBody().readAllBytes()).require(request);
            } catch (IOException e) {
                throw new UncheckedIOException("Docker engine: " + request + ": " + e.getMessage(), e);
            }
        }
        return response;
    }

    /**
     * Attaches to {@code container}'s stdio: the answer's body is its output (raw with a TTY, else
     * Docker's frames), and {@code stdin} is copied to it over the same, hijacked, connection.
     */
    DockerHttpClient.Response attach(String container, InputStream stdin) {
        String path = "/containers/" + container + "/attach?stream=1&stdin=1&stdout=1&stderr=1";
        DockerHttpClient.Response response = http.execute(DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.POST).path(path).hijackedInput(stdin).build());
        return requireSuccess(response, "POST " + path);
    }

    /**
     * Runs {@code command} in {@code container} (no TTY, no stdin) and hands each frame of its output
     * to {@code frames} until the command ends.
     */
    void exec(String container, List<String> command, boolean stderr, Consumer<Frame> frames) {
        ObjectNode create = object().put("AttachStdout", true).put("AttachStderr", stderr);
        command.forEach(create.putArray("Cmd")::add);
        String id = post("/containers/" + container + "/exec", create).path("Id").asString();
        String path = "/exec/" + id + "/start";
        ObjectNode start = object().put("Detach", false).put("Tty", false);
        try (DockerHttpClient.Response response = requireSuccess(
                http.execute(request(DockerHttpClient.Request.Method.POST, path, start)), "POST " + path)) {
            FrameReader output = new FrameReader(response.getBody());
            for (Frame frame; (frame = output.readFrame()) != null; ) {
                frames.accept(frame);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Docker engine: POST " + path + ": " + e.getMessage(), e);
        }
    }

    /** Blocks until {@code container} exits; its exit code. */
    long awaitExit(String container) {
        String path = "/containers/" + container + "/wait";
        try (DockerHttpClient.Response response = stream(DockerHttpClient.Request.Method.POST, path)) {
            return JSON.readTree(response.getBody().readAllBytes()).path("StatusCode").asLong(-1);
        } catch (IOException e) {
            throw new UncheckedIOException("Docker engine: POST " + path + ": " + e.getMessage(), e);
        }
    }

    /** All containers, running or not, with every one of {@code labels} ({@code key} or {@code key=value}). */
    JsonNode containers(List<String> labels) {
        return get("/containers/json?all=1&filters=" + filters(Map.of("label", labels)));
    }

    /** The networks with every one of {@code labels} ({@code key} or {@code key=value}). */
    JsonNode networks(List<String> labels) {
        return get("/networks?filters=" + filters(Map.of("label", labels)));
    }

    /** {@code DELETE path}; an error answer throws {@link EngineException} with its status. */
    void delete(String path) {
        call(DockerHttpClient.Request.Method.DELETE, path, null).require("DELETE " + path);
    }

    void ping() {
        call(DockerHttpClient.Request.Method.GET, "/_ping", null).require("GET /_ping");
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** A query parameter's value, encoded. */
    static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** The {@code filters} query parameter: {@code {"label": [...]}} and the like. */
    static String filters(Map<String, List<String>> filters) {
        ObjectNode node = object();
        filters.forEach((name, values) -> values.forEach(node.putArray(name)::add));
        return query(node.toString());
    }

    private static DockerHttpClient.Request request(DockerHttpClient.Request.Method method, String path, JsonNode body) {
        var request = DockerHttpClient.Request.builder().method(method).path(path);
        if (body != null) {
            request.putHeader("Content-Type", "application/json").bodyBytes(JSON.writeValueAsBytes(body));
        }
        return request.build();
    }

    private Answer call(DockerHttpClient.Request.Method method, String path, JsonNode body) {
        try (DockerHttpClient.Response response = http.execute(request(method, path, body))) {
            return new Answer(response.getStatusCode(), response.getBody().readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("Docker engine: " + method + " " + path + ": " + e.getMessage(), e);
        }
    }

    private record Answer(int status, byte[] body) {

        JsonNode require(String request) {
            if (status >= 400) {
                String message = new String(body, StandardCharsets.UTF_8).strip();
                try {
                    message = JSON.readTree(body).path("message").asString(message);
                } catch (JacksonException notJson) {
                    // the engine's plain-text answer is the message
                }
                throw new EngineException(status, "Docker engine: " + request + " answered " + status + ": " + message);
            }
            if (body.length == 0) {
                return object();
            }
            try {
                return JSON.readTree(body);
            } catch (JacksonException plainText) {
                return object(); // e.g. /_ping's "OK"
            }
        }
    }

    /** An error answer of the engine, with its status (404 no such object, 409 conflict). */
    static final class EngineException extends BackendException {
        private final int status;

        EngineException(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }
}
