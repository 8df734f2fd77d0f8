package io.claudebottle.backend.docker;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.smolvm.SmolmachinesBackend;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The Docker half of a smolmachines bottle: the Docker backend's sidecar (same image, same config,
 * same hardening) alone on its own egress network, with its ports (and its DNS sink) published on
 * the bottle's loopback alias and nowhere else. The agent runs in a smolvm VM whose only allowed destination is
 * that alias, so it reaches exactly this sidecar. Everything carries the bottle-id label, so
 * {@code bottle ps}, {@code stop} and {@code gc} of the Docker backend see these bottles too.
 */
public final class DockerSidecarBundle implements SmolmachinesBackend.SidecarBundle {

    /**
     * egress proxy, cred-proxy, git-gate, supervise (read-only: health, CA, ports; the launcher's health
     * check) and the DNS sink on UDP and TCP (the VM's resolver: it refuses every name and audits it).
     */
    static final List<String> PUBLISHED_PORTS = List.of(DockerBackend.EGRESS_PORT + "/tcp",
            DockerBackend.CRED_PROXY_PORT + "/tcp", DockerBackend.GIT_GATE_PORT + "/tcp",
            DockerBackend.SUPERVISE_PORT + "/tcp", DockerBackend.DNS_PORT + "/udp", DockerBackend.DNS_PORT + "/tcp");
    /** What {@code bottle ps} shows as the runtime of a smolmachines bottle: where its agent runs. */
    static final String RUNTIME_LABEL = "smolvm";
    /**
     * Longer than the Docker backend's: the launcher polls through Docker's port forwarding (on
     * macOS through Docker Desktop's VM), and a real sidecar took 55 s to listen on a loaded
     * 2-core Linux test machine (about 5 s idle), which left 60 s no margin.
     */
    static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(150);

    private final DockerBackend docker;
    private final boolean ownsDocker;
    private final HostFirewall firewall = new HostFirewall();

    private DockerSidecarBundle(DockerBackend docker, boolean ownsDocker) {
        this.docker = docker;
        this.ownsDocker = ownsDocker;
    }

    /** A bundle on the local Docker engine; closing the bundle closes the connection. */
    public static DockerSidecarBundle open() {
        return new DockerSidecarBundle(DockerBackend.open(), true);
    }

    /** A bundle on an engine the caller keeps open (and closes). */
    public static DockerSidecarBundle on(DockerBackend docker) {
        return new DockerSidecarBundle(docker, false);
    }

    @Override
    public Running start(String bottleId, BottleLaunch launch, String alias, Backend.Progress progress) {
        requireLoopback(alias);
        String runtime = docker.runtimeFor(launch.runtime());
        String bridge = bridgeName(bottleId);
        DockerBackend.Names names = new DockerBackend.Names(bottleId, bridge, bridge);
        MirrorSyncRelay mirrorSync = MirrorSyncRelay.NONE;
        try {
            progress.step("bottle " + bottleId + ": sidecar network " + names.egress() + " (bridge " + bridge
                    + ", runtime " + runtime + ")");
            docker.createNetwork(names.egress(), bridge, false, launch, bottleId, RUNTIME_LABEL, "egress");
            ObjectNode create = docker.sidecarContainer(launch, bottleId, runtime, names);
            ObjectNode labels = create.putObject("Labels");
            Labels.of(bottleId, "sidecar", launch.agent(), launch.bottle(), RUNTIME_LABEL).forEach(labels::put);
            ObjectNode exposed = create.putObject("ExposedPorts");
            PUBLISHED_PORTS.forEach(port -> exposed.putObject(port));
            ((ObjectNode) create.path("HostConfig")).set("PortBindings", bindings(alias));
            String sidecar = docker.createContainer(names.sidecar(), create);
            docker.api().post("/containers/" + sidecar + "/start", null);
            mirrorSync = MirrorSyncRelay.start(docker.api(), names.sidecar(), DockerBackend.gitRepoNames(launch), progress::step);
            requirePublishedOnlyOn(sidecar, alias);
            String supervise = "http://" + alias + ":" + DockerBackend.SUPERVISE_PORT;
            progress.step("bottle " + bottleId + ": waiting for the sidecar on " + supervise);
            docker.waitHealthy(supervise, sidecar, bottleId, HEALTH_TIMEOUT);
            return new Started(bottleId, names.sidecar(), docker.get(supervise, "/ca.pem"), mirrorSync);
        } catch (RuntimeException e) {
            mirrorSync.close();
            try {
                remove(bottleId);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    @Override
    public boolean remove(String bottleId) {
        return DockerBottle.teardown(docker.api(), firewall, bottleId);
    }

    @Override
    public void close() {
        if (ownsDocker) {
            docker.close();
        }
    }

    /** {@code -p ALIAS:PORT:PORT[/udp]} for every published port, as the Engine API's {@code PortBindings}. */
    static ObjectNode bindings(String alias) {
        ObjectNode ports = EngineApi.object();
        for (String port : PUBLISHED_PORTS) {
            ports.putArray(port).addObject().put("HostIp", alias).put("HostPort", port.substring(0, port.indexOf('/')));
        }
        return ports;
    }

    /**
     * Fail closed: what Docker actually published is read back, and a port bound anywhere but the
     * alias (0.0.0.0, ::, another address) would let other bottles' VMs or the network reach this
     * sidecar.
     */
    private void requirePublishedOnlyOn(String container, String alias) {
        JsonNode published = docker.api().get("/containers/" + container + "/json").path("NetworkSettings").path("Ports");
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : published.properties()) {
            for (JsonNode b : entry.getValue()) { // null (not published) has no elements
                String hostIp = b.path("HostIp").asString("");
                if (!alias.equals(hostIp)) {
                    wrong.add(hostIp + ":" + b.path("HostPort").asString("") + "->" + entry.getKey());
                }
            }
        }
        if (!wrong.isEmpty()) {
            throw new BackendException("Docker published the sidecar of container " + container + " on " + wrong
                    + " instead of only " + alias + "; refusing to run a bottle reachable from outside its alias."
                    + " Check the engine's \"ip\" and userland-proxy settings in daemon.json.");
        }
    }

    private static void requireLoopback(String alias) {
        InetAddress address;
        try {
            address = InetAddress.ofLiteral(alias);
        } catch (IllegalArgumentException e) {
            throw new BackendException("sidecar publish address '" + alias + "' is not an IP literal", e);
        }
        if (!(address instanceof Inet4Address) || !address.isLoopbackAddress()) {
            throw new BackendException("sidecar publish address " + alias + " is not an IPv4 loopback address; "
                    + "a smolmachines sidecar is published on a 127.0.0.0/8 alias only");
        }
    }

    /** A bridge name of at most 15 characters (the kernel's limit), derived from the bottle id. */
    static String bridgeName(String bottleId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bottleId.getBytes(StandardCharsets.UTF_8));
            return "cb" + HexFormat.of().formatHex(digest, 0, 5) + "s";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private final class Started implements Running {
        private final String bottleId;
        private final String container;
        private final String caPem;
        private final MirrorSyncRelay mirrorSync;

        Started(String bottleId, String container, String caPem, MirrorSyncRelay mirrorSync) {
            this.bottleId = bottleId;
            this.container = container;
            this.caPem = caPem;
            this.mirrorSync = mirrorSync;
        }

        @Override
        public void agentTakesTerminal() {
            mirrorSync.handOver();
        }

        @Override
        public String caPem() {
            return caPem;
        }

        @Override
        public String exec(List<String> command) {
            return DockerBottle.exec(docker.api(), container, command);
        }

        @Override
        public void close() {
            mirrorSync.close();
            remove(bottleId);
        }
    }
}
