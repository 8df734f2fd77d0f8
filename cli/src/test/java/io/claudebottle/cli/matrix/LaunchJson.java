package io.claudebottle.cli.matrix;

import io.claudebottle.backend.BottleLaunch;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link BottleLaunch} as one JSON line, for the launcher running as another user (no skills, not
 * interactive: the matrix uses neither), and the same launch with other images or runtime.
 */
final class LaunchJson {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private LaunchJson() {
    }

    static BottleLaunch withImages(BottleLaunch l, BottleLaunch.Images images, Optional<String> runtime) {
        return new BottleLaunch(l.agent(), l.bottle(), l.sidecarConfig(), l.secrets(), l.agentEnv(), l.agentFiles(),
                l.sidecarFiles(), l.skills(), l.agentCommand(), l.interactive(), runtime, images, l.sidecarHosts());
    }

    static ObjectNode toJson(BottleLaunch l) {
        if (!l.skills().isEmpty() || l.interactive()) {
            throw new IllegalArgumentException("the matrix's launches have no skills and no terminal");
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("agent", l.agent()).put("bottle", l.bottle()).set("sidecarConfig", l.sidecarConfig());
        n.set("secrets", JSON.valueToTree(l.secrets()));
        n.set("agentEnv", JSON.valueToTree(l.agentEnv()));
        n.set("agentFiles", JSON.valueToTree(l.agentFiles()));
        n.set("sidecarFiles", JSON.valueToTree(l.sidecarFiles()));
        n.set("agentCommand", JSON.valueToTree(l.agentCommand()));
        n.set("sidecarHosts", JSON.valueToTree(l.sidecarHosts()));
        return n;
    }

    static BottleLaunch fromJson(JsonNode n) {
        List<String> command = new ArrayList<>();
        n.get("agentCommand").forEach(a -> command.add(a.asString()));
        return new BottleLaunch(n.get("agent").asString(), n.get("bottle").asString(), (ObjectNode) n.get("sidecarConfig"),
                map(n.get("secrets")), map(n.get("agentEnv")), map(n.get("agentFiles")), map(n.get("sidecarFiles")),
                Map.of(), command, false, Optional.empty(), new BottleLaunch.Images("none", "none"), map(n.get("sidecarHosts")));
    }

    private static Map<String, String> map(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asString()));
        return out;
    }
}
