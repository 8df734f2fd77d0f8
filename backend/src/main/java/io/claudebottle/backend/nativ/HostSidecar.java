package io.claudebottle.backend.nativ;

import io.claudebottle.backend.BackendException;
import io.claudebottle.egress.BottleCa;
import io.claudebottle.egress.HostResolver;
import io.claudebottle.sidecar.Sidecar;
import io.claudebottle.sidecar.SidecarConfig;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

/**
 * One native bottle's sidecar services (egress, cred-proxy, git-gate, supervise) running in the
 * launcher's own JVM, on host loopback ports the kernel picks. The launcher already holds the
 * tokens in its environment, so a second JVM would only add its start-up time; the launcher is the
 * bottle's one sidecar process. Fail closed: once closed (or when the launcher dies, taking the
 * listeners inside the agent's namespace with it) the agent reaches nothing.
 */
final class HostSidecar implements AutoCloseable {

    private final Sidecar sidecar;
    private volatile boolean open = true;

    private HostSidecar(Sidecar sidecar) {
        this.sidecar = sidecar;
    }

    /**
     * Starts the services on {@code config} with the CA minted by the launcher.
     *
     * @param secrets   token_ref name → value: what the cred-proxy may read, nothing else of this JVM's environment
     * @param extraHosts name → IP the egress proxy resolves before asking the system (test and demo upstreams)
     */
    static HostSidecar start(SidecarConfig config, BottleCa ca, Map<String, String> secrets, Map<String, String> extraHosts) {
        try {
            return new HostSidecar(Sidecar.start(config, ca, secrets::get, resolver(extraHosts)));
        } catch (RuntimeException e) {
            throw new BackendException("the sidecar of " + config.bottle() + " did not start: " + e.getMessage(), e);
        }
    }

    /** {@code extraHosts} first ({@code host-gateway}, Docker's name for the host, is loopback here), then the system. */
    static HostResolver resolver(Map<String, String> extraHosts) {
        HostResolver system = HostResolver.system();
        if (extraHosts.isEmpty()) {
            return system;
        }
        return host -> {
            String ip = extraHosts.get(host);
            if (ip == null) {
                return system.resolve(host);
            }
            try {
                return List.of(InetAddress.getByName(ip.equals("host-gateway") ? "127.0.0.1" : ip));
            } catch (UnknownHostException e) {
                throw new UnknownHostException("sidecar host entry " + host + " -> " + ip + " is not an IP address");
            }
        };
    }

    /** Bound host ports by service name. */
    Map<String, Integer> ports() {
        return sidecar.ports();
    }

    boolean open() {
        return open;
    }

    @Override
    public synchronized void close() {
        if (open) {
            open = false;
            sidecar.close();
        }
    }
}
