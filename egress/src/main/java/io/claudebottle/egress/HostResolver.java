package io.claudebottle.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns a host name into addresses. The proxy resolves every name itself through this interface
 * (once per upstream connection) and dials only an address it has checked; tests stub it to map
 * their own names to loopback listeners.
 */
@FunctionalInterface
public interface HostResolver {
    List<InetAddress> resolve(String host) throws UnknownHostException;

    /** The JVM's resolver (the sidecar's /etc/hosts and DNS). */
    static HostResolver system() {
        return host -> List.of(InetAddress.getAllByName(host));
    }
}
