package io.claudebottle.sidecar;

import io.claudebottle.credproxy.CredProxy;
import io.claudebottle.credproxy.CredProxySettings;
import io.claudebottle.credproxy.Route;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The cred-proxy as a sidecar service. Its upstream traffic always goes through this sidecar's
 * egress proxy (so the allowlist and DLP apply to it) and trusts the bottle CA that proxy signs with.
 */
final class CredProxyService implements SidecarService {
    private final CredProxy proxy;

    private CredProxyService(CredProxy proxy) {
        this.proxy = proxy;
    }

    static CredProxyService start(SidecarConfig.CredProxy config, SidecarContext ctx, UnaryOperator<String> environment) {
        List<Route> routes = config.toRoutes();
        InetSocketAddress egress = new InetSocketAddress(loopbackFor(ctx.bind()), ctx.port("egress"));
        for (Route route : routes) {
            String token = environment.apply(route.tokenRef());
            if (token == null || token.isBlank()) {
                System.err.println("cred-proxy: route " + route.path() + ": " + route.tokenRef()
                        + " is not set in the sidecar's environment; its requests will get 502");
            }
        }
        CredProxySettings settings = new CredProxySettings(ctx.bind(), config.port(), routes, Optional.of(egress),
                List.of(ctx.caCertificate()), environment, event -> ctx.audit().write("cred-proxy", event.fields()));
        try {
            return new CredProxyService(CredProxy.start(settings));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** The token values the cred-proxy will inject, which the egress DLP must therefore not flag. */
    static Set<String> tokens(SidecarConfig.CredProxy config, UnaryOperator<String> environment) {
        Set<String> tokens = new LinkedHashSet<>();
        if (config == null) return tokens;
        for (SidecarConfig.CredProxyRoute route : config.routes()) {
            String token = route.tokenRef() == null ? null : environment.apply(route.tokenRef());
            if (token != null && !token.isBlank()) tokens.add(token.strip());
        }
        return tokens;
    }

    /** Where to dial a sibling service bound to {@code bind}: loopback when it listens everywhere. */
    private static String loopbackFor(String bind) {
        return bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]") ? "127.0.0.1" : bind;
    }

    @Override
    public String name() {
        return "cred-proxy";
    }

    @Override
    public int port() {
        return proxy.port();
    }

    @Override
    public boolean healthy() {
        return proxy.healthy();
    }

    @Override
    public void close() {
        proxy.close();
    }
}
