package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import io.claudebottle.backend.BottleLaunch;
import org.junit.jupiter.api.Assumptions;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Shared set-up of the Docker tests: skip (or, with bottle.requireAll, fail) without a usable engine. */
final class DockerTestSupport {

    private DockerTestSupport() {
    }

    static void assumeDocker() {
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean iptables = Files.isExecutable(Path.of("/usr/sbin/iptables")) || Files.isExecutable(Path.of("/sbin/iptables"));
        Assumptions.assumeTrue((DockerConnection.available() && root && iptables) || Boolean.getBoolean("bottle.requireAll"),
                "needs a running Docker engine, iptables and root (./scripts/test as root starts dockerd)");
    }

    static BottleLaunch scripted(String agent, BottleLaunch.Images images, String script, Map<String, String> secrets,
                                 Map<String, String> env) {
        ObjectNode config = JsonMapper.builder().build().createObjectNode();
        config.putObject("egress").putArray("allowlist");
        return new BottleLaunch(agent, "test-bottle", config, secrets, env, Map.of(".config/marker", "from-launcher\n"),
                Map.of(), Map.of(), List.of("bash", "-c", script), false, Optional.empty(), images);
    }

    static List<String> labelled(DockerClient docker, String bottleId) {
        var label = Map.of(Labels.BOTTLE_ID, bottleId);
        var containers = docker.listContainersCmd().withShowAll(true).withLabelFilter(label).exec().stream()
                .map(c -> "container " + c.getNames()[0]);
        var networks = docker.listNetworksCmd().withFilter("label", List.of(Labels.BOTTLE_ID + "=" + bottleId)).exec()
                .stream().map(n -> "network " + n.getName());
        var rules = new HostFirewall().taggedBottles().stream().filter(bottleId::equals).map(r -> "iptables " + r);
        return java.util.stream.Stream.of(containers, networks, rules).flatMap(s -> s).toList();
    }
}
