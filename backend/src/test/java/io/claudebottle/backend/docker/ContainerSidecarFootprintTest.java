package io.claudebottle.backend.docker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar's JVM, as its container runs it, never builds a Jackson databind mapper: one would cost
 * every bottle about 5.5 MB of class metadata (and 4-8 MB of RSS). The child JVM serves a refusal,
 * a DLP-scanned JSON body, an audit line and a health check, and its class-loading log must show
 * those paths ran and that no {@code ObjectMapper} was ever loaded.
 */
class ContainerSidecarFootprintTest {

    @Test
    void theSidecarsRequestPathsLoadNoDatabindMapper(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config.json");
        Files.writeString(config, """
                {"bottle":"footprint","bind":"127.0.0.1","auditLog":"%s","caCertFile":"%s",
                 "supervise":{"port":0},
                 "egress":{"port":0,"allowlist":["127.0.0.1:9"],"allowAddresses":["127.0.0.1"]}}
                """.formatted(dir.resolve("audit.jsonl"), dir.resolve("ca.pem")));
        Path classes = dir.resolve("classes.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-Xlog:class+load=info:file=" + classes, "-cp", System.getProperty("java.class.path"),
                ContainerSidecarMain.class.getName(), config.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String ready = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertThat(ready).as("the sidecar's ready line").isNotNull().contains("\"bottle\":\"footprint\"");
            int egress = port(ready, "egress");
            int supervise = port(ready, "supervise");

            HttpClient viaProxy = HttpClient.newBuilder().proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", egress)))
                    .connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> denied = viaProxy.send(HttpRequest.newBuilder(URI.create("http://denied.invalid/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(denied.statusCode()).isEqualTo(403);
            assertThat(denied.body()).contains("\"blocked\":\"host-not-allowed\"");

            // Port 9 on loopback (discard) is allowlisted; the key in the JSON body stops the request first.
            HttpResponse<String> secret = viaProxy.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/upload"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"aws\":\"AKIAQYLPMN5HHHFPZAM2\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(secret.statusCode()).isEqualTo(403);
            assertThat(secret.body()).contains("\"blocked\":\"dlp\"");

            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + supervise + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.body()).contains("\"status\":\"ok\"");
            assertThat(Files.readString(dir.resolve("audit.jsonl"))).contains("\"reason\":\"host-not-allowed\"");
        } finally {
            child.destroy();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        String loaded = Files.readString(classes);
        assertThat(loaded).as("the paths ran").contains("io.claudebottle.dlp.BodyScanner ", "io.claudebottle.egress.PlainJson ");
        assertThat(loaded).doesNotContain("tools.jackson.databind.ObjectMapper ", "tools.jackson.databind.json.JsonMapper ");
    }

    private static int port(String readyLine, String service) {
        Matcher m = Pattern.compile("\"" + service + "\":(\\d+)").matcher(readyLine);
        assertThat(m.find()).as(service + " port in " + readyLine).isTrue();
        return Integer.parseInt(m.group(1));
    }
}
