package io.claudebottle.sidecar;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.claudebottle.egress.PlainJson;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The supervise endpoint: {@code GET /health} (200 when every service is up, else 503),
 * {@code GET /ca.pem} (the bottle CA certificate), {@code GET /ports} (bound ports as JSON).
 * Read-only: nothing here changes the sidecar.
 */
final class Supervise implements SidecarService {
    private final HttpServer server;
    private final ExecutorService threads;

    private Supervise(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    static Supervise start(String bind, int port, String caPem, Supplier<List<SidecarService>> services) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(bind, port), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("supervise: cannot listen on " + bind + ":" + port + ": " + e.getMessage()
                    + " (pick another \"supervise.port\", or 0 for any free port)", e);
        }
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(threads);
        Supervise s = new Supervise(server, threads);
        server.createContext("/health", ex -> {
            Map<String, String> status = new LinkedHashMap<>();
            boolean ok = true;
            for (SidecarService svc : services.get()) {
                status.put(svc.name(), svc.healthy() ? "up" : "down");
                ok &= svc.healthy();
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", ok ? "ok" : "degraded");
            body.put("services", status);
            reply(ex, ok ? 200 : 503, "application/json", PlainJson.text(body) + "\n");
        });
        server.createContext("/ca.pem", ex -> reply(ex, 200, "application/x-pem-file", caPem));
        server.createContext("/ports", ex -> {
            Map<String, Integer> ports = new LinkedHashMap<>();
            for (SidecarService svc : services.get()) ports.put(svc.name(), svc.port());
            reply(ex, 200, "application/json", PlainJson.text(ports) + "\n");
        });
        server.createContext("/", ex -> reply(ex, 404, "application/json", "{\"error\":\"not-found\",\"paths\":[\"/health\",\"/ca.pem\",\"/ports\"]}\n"));
        server.start();
        return s;
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        try (ex) {
            boolean exact = switch (ex.getHttpContext().getPath()) {
                case "/" -> true;
                default -> ex.getRequestURI().getPath().equals(ex.getHttpContext().getPath());
            };
            if (!exact) {
                status = 404;
                type = "application/json";
                body = "{\"error\":\"not-found\"}\n";
            } else if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                status = 405;
                type = "application/json";
                body = "{\"error\":\"method-not-allowed\"}\n";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public String name() {
        return "supervise";
    }

    @Override
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
