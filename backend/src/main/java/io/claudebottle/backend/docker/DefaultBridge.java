package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Network;
import io.claudebottle.backend.BackendException;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Optional;
import java.util.stream.Stream;

/** Docker's default bridge network, whose gateway is the host as a container sees it ("host-gateway"). */
public final class DefaultBridge {
    private DefaultBridge() {
    }

    /**
     * The default bridge's IPv4 gateway: from its IPAM config, else the bridge interface's own
     * address (a dockerd that finds {@code docker0} already configured leaves the IPAM gateway empty).
     */
    public static String gateway(DockerClient docker) {
        Network bridge = docker.inspectNetworkCmd().withNetworkId("bridge").exec();
        Optional<String> configured = bridge.getIpam().getConfig().stream().map(Network.Ipam.Config::getGateway)
                .filter(g -> g != null && g.contains(".")).findFirst();
        if (configured.isPresent()) {
            return configured.get();
        }
        String nic = bridge.getOptions().getOrDefault("com.docker.network.bridge.name", "docker0");
        try {
            NetworkInterface iface = NetworkInterface.getByName(nic);
            return (iface == null ? Stream.<InetAddress>empty() : iface.inetAddresses())
                    .filter(a -> a instanceof Inet4Address).map(InetAddress::getHostAddress).findFirst()
                    .orElseThrow(() -> new BackendException("Docker's default bridge network (interface " + nic
                            + ") has no IPv4 gateway; `docker network inspect bridge` and `ip addr show " + nic + "` show it"));
        } catch (SocketException e) {
            throw new BackendException("cannot read the address of Docker's bridge interface " + nic + ": " + e.getMessage(), e);
        }
    }
}
