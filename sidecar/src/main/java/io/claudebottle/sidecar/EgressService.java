package io.claudebottle.sidecar;

import io.claudebottle.egress.BottleCa;
import io.claudebottle.egress.EgressProxy;
import io.claudebottle.egress.EgressSettings;
import io.claudebottle.egress.HostResolver;

/** The egress proxy as a sidecar service: bound by {@link #bind}, accepting from {@link #open()}. */
final class EgressService implements SidecarService {
    private final EgressProxy proxy;

    private EgressService(EgressProxy proxy) {
        this.proxy = proxy;
    }

    static EgressService bind(SidecarConfig.Egress config, SidecarContext ctx, BottleCa ca, HostResolver resolver) {
        EgressSettings settings = EgressSettings.builder()
                .bind(ctx.bind())
                .port(config.port())
                .allowlist(config.allowlist())
                .passthrough(config.passthrough())
                .allowAddresses(config.allowAddresses())
                .dlpExempt(config.dlpExempt())
                .extraTrustedCaFiles(config.extraTrustedCaFiles())
                .scanner(ctx.scanner())
                .resolver(resolver)
                .build();
        return new EgressService(EgressProxy.bind(settings, ca, ctx.audit()));
    }

    @Override
    public String name() {
        return "egress";
    }

    @Override
    public int port() {
        return proxy.port();
    }

    @Override
    public void open() {
        proxy.accept();
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
