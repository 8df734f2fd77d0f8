package io.claudebottle.backend.docker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Stands in for the real sidecar in the backend's infrastructure tests (networks, firewall, DNS,
 * tokens, teardown): serves supervise ({@code /health}, {@code /ca.pem}) and answers on the
 * egress port, using nothing but the JDK, so its image changes only when this file does.
 */
public final class FakeSidecar {

    static final String CA = "-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n";

    private FakeSidecar() {
    }

    public static void main(String[] args) throws IOException {
        Path config = Path.of("/run/bottle/config.json");
        if (!Files.isRegularFile(config)) {
            throw new IllegalStateException("no " + config);
        }
        reportMirrorSync(Files.readString(config));
        Files.writeString(Path.of("/run/bottle/ca.pem"), CA);
        HttpServer supervise = HttpServer.create(new InetSocketAddress(9100), 16);
        supervise.createContext("/health", x -> reply(x, "ok"));
        supervise.createContext("/ca.pem", x -> reply(x, CA));
        supervise.start();
        HttpServer egress = HttpServer.create(new InetSocketAddress(3128), 16);
        egress.createContext("/", x -> {
            Files.writeString(Path.of("/run/bottle/audit.jsonl"), "{\"decision\":\"allow\",\"path\":\""
                    + x.getRequestURI().getPath() + "\"}\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            reply(x, "egress-ok");
        });
        egress.start();
    }

    /**
     * The real sidecar's lines about its mirrors' first sync, on stderr: progress, then "mirror
     * ready" for each repo, except one named {@code unreachable}, whose sync fails.
     */
    private static void reportMirrorSync(String config) {
        int gitGate = config.indexOf("\"gitGate\"");
        if (gitGate < 0) return;
        java.util.regex.Matcher name = java.util.regex.Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"").matcher(config);
        name.region(gitGate, config.length());
        System.err.println("fake sidecar: a line that is not about mirrors");
        while (name.find()) {
            String repo = name.group(1);
            System.err.println("git-gate: " + repo + ": Receiving objects 50% (1/2)");
            System.err.println(repo.equals("unreachable") ? "git-gate: " + repo + ": first sync failed: cannot mirror it"
                    : "git-gate: " + repo + ": mirror ready");
        }
    }

    private static void reply(HttpExchange x, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(200, b.length);
        x.getResponseBody().write(b);
        x.close();
    }
}
