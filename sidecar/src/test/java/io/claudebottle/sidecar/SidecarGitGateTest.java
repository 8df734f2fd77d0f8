package io.claudebottle.sidecar;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The git-gate started by the sidecar from its config section (the gate itself is tested in its module). */
class SidecarGitGateTest {
    private static final String HOST_KEY = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=";

    @TempDir
    Path tmp;

    @Test
    void startsTheGateAndFailsClosedWhenTheUpstreamIsDown() throws Exception {
        boolean git = gitAvailable();
        Assumptions.assumeTrue(git || Boolean.getBoolean("bottle.requireAll"), "git CLI not installed");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort(); // nothing listens there once closed: the upstream is down
        }
        Files.writeString(tmp.resolve("id"), "not used: the connection is refused first\n");
        String json = """
                {"bottle": "gate-test", "bind": "127.0.0.1", "auditLog": "%s", "caCertFile": "%s",
                 "gitGate": {"port": 0, "stateDir": "%s", "repos": [
                   {"name": "r", "upstream": "ssh://git@127.0.0.1:%d/o/r.git", "identityFile": "%s",
                    "knownHostKey": "%s", "extraHosts": {}, "forbidForcePush": true}]}}
                """.formatted(tmp.resolve("audit.jsonl"), tmp.resolve("ca.pem"), tmp.resolve("git"), closedPort,
                tmp.resolve("id"), HOST_KEY);
        SidecarConfig config = SidecarConfig.parse(json, "sidecar.json");
        assertThat(config.gitGate().repos().getFirst().forbidForcePush()).isTrue();

        try (Sidecar sidecar = Sidecar.start(config)) {
            assertThat(sidecar.ports()).containsKey("git-gate");
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + sidecar.ports().get("supervise") + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);

            String out = run(tmp, "git", "ls-remote", "git://127.0.0.1:" + sidecar.ports().get("git-gate") + "/r");
            assertThat(out).contains("remote error: git-gate: cannot fetch 'r'").contains("fail closed");
        }
        assertThat(Files.readString(tmp.resolve("audit.jsonl"))).contains("git-gate").contains("\"outcome\":\"error\"");
    }

    @Test
    void invalidRepoEntriesNameTheIndexAndTheField() {
        assertThatThrownBy(() -> SidecarConfig.parse("""
                {"bottle": "b", "auditLog": "a", "caCertFile": "c",
                 "gitGate": {"port": 0, "stateDir": "/s", "repos": [{"name": "r", "upstream": "https://h/r.git",
                   "identityFile": "/k", "knownHostKey": "%s"}]}}""".formatted(HOST_KEY), "cfg.json"))
                .hasMessageContaining("cfg.json").hasMessageContaining("gitGate.repos[0]").hasMessageContaining("not an SSH git URL");
        assertThatThrownBy(() -> SidecarConfig.parse("""
                {"bottle": "b", "auditLog": "a", "caCertFile": "c", "gitGate": {"port": 0, "repos": []}}""", "cfg.json"))
                .hasMessageContaining("gitGate.stateDir");
    }

    private static boolean gitAvailable() {
        try {
            return new ProcessBuilder("git", "--version").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String run(Path dir, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("HOME", dir.toString());
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }
}
