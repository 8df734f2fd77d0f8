package io.claudebottle.credproxy;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Everything a {@link CredProxy} needs. Tokens are not part of it: they are looked up by name
 * through {@code environment} on every request.
 *
 * @param bindHost       the address to listen on, e.g. {@code 0.0.0.0} in the sidecar, {@code 127.0.0.1} in tests
 * @param port           the port to listen on; 0 picks a free one (see {@link CredProxy#port()})
 * @param routes         the routes; paths must be distinct
 * @param upstreamProxy  the HTTP proxy every upstream connection is tunnelled through with CONNECT
 *                       (the bottle's egress proxy); empty dials upstreams directly
 * @param upstreamTrust  CA certificates trusted for upstream TLS in addition to the JDK's defaults
 *                       (the bottle CA, which signs the egress proxy's intercepted certificates)
 * @param environment    looks up a token by its {@code token_ref}; production passes {@code System::getenv}
 * @param audit          receives one event per request; must not block
 */
public record CredProxySettings(String bindHost, int port, List<Route> routes,
                                Optional<InetSocketAddress> upstreamProxy, List<X509Certificate> upstreamTrust,
                                UnaryOperator<String> environment, Consumer<CredProxyEvent> audit) {
    /** The sidecar alias and port agents dial. */
    public static final int DEFAULT_PORT = 9099;

    public CredProxySettings {
        Objects.requireNonNull(bindHost, "bindHost");
        routes = List.copyOf(routes);
        upstreamProxy = upstreamProxy == null ? Optional.empty() : upstreamProxy;
        upstreamTrust = List.copyOf(upstreamTrust);
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(audit, "audit");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("cred-proxy port " + port + " is out of range 0-65535");
        }
        Set<String> paths = new HashSet<>();
        for (Route route : routes) {
            if (!paths.add(route.path())) {
                throw new IllegalArgumentException("cred-proxy route path " + route.path()
                        + " is declared twice; give each route its own path");
            }
        }
    }
}
