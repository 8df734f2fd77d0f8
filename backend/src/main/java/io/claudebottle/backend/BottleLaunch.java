package io.claudebottle.backend;

import tools.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything a backend needs to bring one bottle up, already resolved from the manifests.
 *
 * @param agent          agent name ({@code [a-z][a-z0-9-]*}); prefixes the bottle id
 * @param bottle         bottle name, for labels and {@code bottle ps}
 * @param sidecarConfig  the sidecar JSON config (schema agreed in the sidecar module) with at least the
 *                       {@code egress}, {@code credProxy} and {@code gitGate} sections; the backend sets
 *                       {@code bottle}, {@code bind}, {@code auditLog}, {@code caCertFile}, and the ports
 * @param secrets        env var name → value, given to the sidecar's environment only (token_refs)
 * @param agentEnv       env vars of the agent (manifest {@code env:} plus role-generated ones); never secrets
 * @param agentFiles     files placed in the agent's home: home-relative path → content (role files)
 * @param sidecarFiles   extra files for the sidecar under {@code /run/bottle/}: file name → content
 * @param skills         skill name → host directory, mounted read-only under {@code ~/.claude/skills/}
 * @param agentCommand   the agent's argv, e.g. {@code claude --append-system-prompt <body>}
 * @param interactive    attach the user's terminal (TTY) instead of capturing output
 * @param runtime        OCI runtime to use ({@code runc}, {@code runsc}); empty = auto-detect
 * @param images         the agent and sidecar images to run
 * @param sidecarHosts   extra {@code /etc/hosts} entries of the sidecar: name → IP, or {@code host-gateway}
 *                       for the host as seen from Docker's default bridge (test upstreams on the host)
 */
public record BottleLaunch(String agent, String bottle, ObjectNode sidecarConfig, Map<String, String> secrets,
                           Map<String, String> agentEnv, Map<String, String> agentFiles,
                           Map<String, String> sidecarFiles, Map<String, Path> skills, List<String> agentCommand,
                           boolean interactive, Optional<String> runtime, Images images,
                           Map<String, String> sidecarHosts) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Image references (tags) of one bottle. */
    public record Images(String agent, String sidecar) {
        public Images {
            Objects.requireNonNull(agent, "agent image");
            Objects.requireNonNull(sidecar, "sidecar image");
        }
    }

    public BottleLaunch(String agent, String bottle, ObjectNode sidecarConfig, Map<String, String> secrets,
                        Map<String, String> agentEnv, Map<String, String> agentFiles, Map<String, String> sidecarFiles,
                        Map<String, Path> skills, List<String> agentCommand, boolean interactive,
                        Optional<String> runtime, Images images) {
        this(agent, bottle, sidecarConfig, secrets, agentEnv, agentFiles, sidecarFiles, skills, agentCommand,
                interactive, runtime, images, Map.of());
    }

    public BottleLaunch {
        if (agent == null || !NAME.matcher(agent).matches()) {
            throw new IllegalArgumentException("agent name '" + agent + "' must match [a-z][a-z0-9-]*");
        }
        Objects.requireNonNull(bottle, "bottle");
        Objects.requireNonNull(sidecarConfig, "sidecarConfig");
        secrets = Map.copyOf(secrets);
        agentEnv = Map.copyOf(agentEnv);
        agentFiles = Map.copyOf(agentFiles);
        sidecarFiles = Map.copyOf(sidecarFiles);
        skills = Map.copyOf(skills);
        agentCommand = List.copyOf(agentCommand);
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(images, "images");
        sidecarHosts = Map.copyOf(sidecarHosts);
        for (String name : secrets.keySet()) {
            if (!ENV_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("token_ref '" + name + "' is not a valid environment variable name");
            }
        }
        for (var e : agentEnv.entrySet()) {
            if (!ENV_NAME.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("env '" + e.getKey() + "' is not a valid environment variable name");
            }
            for (String secret : secrets.values()) {
                if (!secret.isEmpty() && e.getValue().contains(secret)) {
                    throw new IllegalArgumentException("env '" + e.getKey() + "' would carry a token value into the agent");
                }
            }
        }
        for (String path : agentFiles.keySet()) {
            if (path.startsWith("/") || path.contains("..")) {
                throw new IllegalArgumentException("agent file '" + path + "' must be relative to the home directory");
            }
        }
        for (String name : sidecarFiles.keySet()) {
            if (name.contains("/") || name.startsWith(".")) {
                throw new IllegalArgumentException("sidecar file '" + name + "' must be a plain file name");
            }
        }
        for (String skill : skills.keySet()) {
            if (skill.contains("/") || skill.startsWith(".")) {
                throw new IllegalArgumentException("skill '" + skill + "' must be a plain directory name");
            }
        }
        if (agentCommand.isEmpty()) {
            throw new IllegalArgumentException("agent command is empty");
        }
    }
}
