package io.claudebottle.cli.matrix;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.RunningBottle;
import io.claudebottle.backend.nativ.NativeBackend;
import io.claudebottle.backend.nativ.SandboxTool;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The launcher side of {@link NobodyBottles}, run in a JVM of its own as an unprivileged user: a
 * {@link NativeBackend} driven by one JSON request per stdin line ({@code start}, {@code run},
 * {@code close}), one JSON answer per stdout line, each request on its own thread so that bottles run
 * side by side. Uses only main classes and their dependencies (test libraries may be unreadable).
 * Closes every bottle it still has when stdin ends.
 */
public final class NobodyLauncher {

    private NobodyLauncher() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err); // nothing but answers on the protocol stream
        NativeBackend backend = new NativeBackend(Path.of(args[0]), Path.of(args[1]), SandboxTool.valueOf(args[2]));
        Map<String, RunningBottle> bottles = new ConcurrentHashMap<>();
        String uid = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                .findFirst().orElse("Uid: ?").substring(4).strip();
        answer(protocol, LaunchJson.JSON.createObjectNode().put("req", 0).put("uid", uid));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            JsonNode request = LaunchJson.JSON.readTree(line);
            Thread.ofPlatform().name("nobody-launcher-" + request.path("op").asString()).start(() -> {
                ObjectNode reply = LaunchJson.JSON.createObjectNode().put("req", request.get("req").asLong());
                try {
                    handle(request, backend, bottles, reply);
                } catch (RuntimeException | Error e) {
                    reply.put("error", e.toString());
                }
                answer(protocol, reply);
            });
        }
        bottles.values().forEach(RunningBottle::close);
    }

    private static void handle(JsonNode request, NativeBackend backend, Map<String, RunningBottle> bottles, ObjectNode reply) {
        switch (request.get("op").asString()) {
            case "start" -> {
                RunningBottle bottle = backend.start(LaunchJson.fromJson(request.get("launch")), Backend.Progress.SILENT);
                bottles.put(bottle.bottleId(), bottle);
                reply.put("id", bottle.bottleId());
            }
            case "run" -> {
                RunningBottle.AgentResult r = bottles.get(request.get("id").asString())
                        .runAgent(Duration.ofSeconds(request.get("timeoutSeconds").asLong()));
                reply.put("exit", r.exitCode()).put("stdout", r.stdout()).put("stderr", r.stderr());
            }
            case "close" -> {
                RunningBottle bottle = bottles.remove(request.get("id").asString());
                if (bottle != null) {
                    bottle.close();
                }
            }
            default -> throw new IllegalArgumentException("unknown op " + request.get("op"));
        }
    }

    private static void answer(PrintStream protocol, ObjectNode reply) {
        synchronized (protocol) {
            protocol.println(reply.toString());
        }
    }
}
