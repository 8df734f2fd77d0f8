package io.claudebottle.cli.matrix;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import io.claudebottle.backend.docker.DefaultBridge;
import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.docker.ImageBuilder;
import io.claudebottle.backend.docker.SidecarApp;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Bottles on the local dockerd with the real sidecar image, under one OCI runtime. */
final class DockerBottles implements Bottles {

    private static final String LABEL = "io.claudebottle.bottle-id";

    private final DockerBackend backend;
    private final String runtime;
    private final BottleLaunch.Images images;
    private final String bridgeGateway;

    DockerBottles(String runtime) {
        this.backend = DockerBackend.open();
        this.runtime = runtime;
        this.images = new ImageBuilder(backend.client(), m -> System.err.println("[images] " + m), true)
                .ensureAll(SidecarApp.production());
        this.bridgeGateway = DefaultBridge.gateway(backend.client());
    }

    static boolean available() {
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean iptables = Files.isExecutable(Path.of("/usr/sbin/iptables")) || Files.isExecutable(Path.of("/sbin/iptables"));
        return io.claudebottle.backend.docker.DockerConnection.available() && root && iptables;
    }

    /** The runtimes `docker info` lists. */
    static String runtimes() {
        return HostView.run("docker", "info", "--format", "{{json .Runtimes}}");
    }

    @Override
    public String serverAddress() {
        return bridgeGateway; // the host as the sidecar's egress side sees it ("host-gateway")
    }

    @Override
    public String allowAddress() {
        return bridgeGateway + "/32";
    }

    @Override
    public Map<String, String> hostTargets(int port) {
        Map<String, String> targets = new LinkedHashMap<>();
        targets.put("host-internal-gateway", "$gw:" + port);
        targets.put("host-docker0", bridgeGateway + ":" + port);
        HostView.ipv4Addresses().forEach((nic, ip) -> targets.put("host-" + nic, ip + ":" + port));
        return targets;
    }

    @Override
    public Bottle start(BottleLaunch launch) {
        RunningBottle bottle = backend.start(LaunchJson.withImages(launch, images, Optional.of(runtime)), Backend.Progress.SILENT);
        return new Started(bottle);
    }

    @Override
    public void close() {
        backend.close();
    }

    private final class Started implements Bottle {
        private final RunningBottle bottle;

        Started(RunningBottle bottle) {
            this.bottle = bottle;
        }

        @Override
        public String id() {
            return bottle.bottleId();
        }

        @Override
        public RunningBottle.AgentResult runAgent(Duration timeout) {
            return bottle.runAgent(timeout);
        }

        private String container(String role) {
            return id() + "-" + role;
        }

        @Override
        public Map<String, String> sidecarTargets() {
            Map<String, String> targets = new LinkedHashMap<>();
            var networks = backend.client().inspectContainerCmd(container("sidecar")).exec().getNetworkSettings().getNetworks();
            networks.forEach((name, net) -> {
                String side = name.endsWith("-internal") ? "internal" : "egress";
                targets.put("other-sidecar-" + side + "-egress-port", net.getIpAddress() + ":3128");
                targets.put("other-sidecar-" + side + "-supervise-port", net.getIpAddress() + ":9100");
            });
            return targets;
        }

        @Override
        public Map<String, String> agentSideViews() {
            return Map.of("docker inspect " + container("agent"), HostView.run("docker", "inspect", container("agent")));
        }

        @Override
        public Map<String, String> sidecarSideViews() {
            return Map.of("docker inspect " + container("sidecar"), HostView.run("docker", "inspect", container("sidecar")));
        }

        @Override
        public List<String> agentDnsForwarders() {
            String[] dns = backend.client().inspectContainerCmd(container("agent")).exec().getHostConfig().getDns();
            if (dns == null || dns.length == 0) {
                return List.of("(none set: Docker forwards to the host's resolvers)");
            }
            var own = backend.client().inspectContainerCmd(container("sidecar")).exec().getNetworkSettings().getNetworks()
                    .get(id() + "-internal");
            return java.util.Arrays.stream(dns).map(ip -> ip.startsWith("127.") ? "loopback"
                    : own != null && ip.equals(own.getIpAddress()) ? "own-sidecar" : ip).toList();
        }

        @Override
        public List<String> audit() {
            List<String> lines = new ArrayList<>();
            backend.audit(id(), false, lines::add);
            return lines;
        }

        @Override
        public Remains remains() {
            String id = id();
            List<String> containers = HostView.run("docker", "ps", "-a", "-q", "--no-trunc", "--filter", "label=" + LABEL + "=" + id)
                    .lines().filter(l -> !l.isBlank()).toList();
            List<String> bridges = new ArrayList<>();
            for (String net : List.of(id + "-internal", id + "-egress")) {
                var options = backend.client().inspectNetworkCmd().withNetworkId(net).exec().getOptions();
                bridges.add(options.get("com.docker.network.bridge.name"));
            }
            return () -> {
                List<String> left = new ArrayList<>();
                HostView.run("docker", "ps", "-a", "-q", "--filter", "label=" + LABEL + "=" + id).lines()
                        .filter(l -> !l.isBlank()).forEach(c -> left.add("container " + c));
                HostView.run("docker", "network", "ls", "-q", "--filter", "label=" + LABEL + "=" + id).lines()
                        .filter(l -> !l.isBlank()).forEach(n -> left.add("network " + n));
                HostView.run("iptables", "-w", "-S", "INPUT").lines().filter(l -> l.contains("claude-bottle:" + id))
                        .forEach(r -> left.add("iptables " + r));
                for (String bridge : bridges) {
                    if (Files.exists(Path.of("/sys/class/net", bridge))) {
                        left.add("bridge interface " + bridge);
                    }
                }
                for (String mount : HostView.mounts()) {
                    if (containers.stream().anyMatch(mount::contains)) {
                        left.add("mount " + mount);
                    }
                }
                return left;
            };
        }

        @Override
        public void close() {
            bottle.close();
        }
    }
}
