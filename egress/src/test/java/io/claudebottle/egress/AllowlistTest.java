package io.claudebottle.egress;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AllowlistTest {

    @Test
    void exactNamesAllowOnlyDefaultPorts() {
        Allowlist a = Allowlist.of(List.of("github.com"), "test");
        assertThat(a.permits("github.com", 443)).isTrue();
        assertThat(a.permits("github.com", 80)).isTrue();
        assertThat(a.permits("github.com", 22)).isFalse();
        assertThat(a.permits("api.github.com", 443)).isFalse();
        assertThat(a.permits("github.com.evil.test", 443)).isFalse();
        assertThat(a.permits("evilgithub.com", 443)).isFalse();
    }

    @Test
    void wildcardsCoverSubdomainsButNotTheApex() {
        Allowlist a = Allowlist.of(List.of("*.Example.com"), "test");
        assertThat(a.permits("a.example.com", 443)).isTrue();
        assertThat(a.permits("a.b.example.com", 443)).isTrue();
        assertThat(a.permits("example.com", 443)).isFalse();
        assertThat(a.permits("badexample.com", 443)).isFalse();
    }

    @Test
    void anExplicitPortAllowsOnlyThatPort() {
        Allowlist a = Allowlist.of(List.of("host.test:8443", "*.w.test:9000"), "test");
        assertThat(a.permits("host.test", 8443)).isTrue();
        assertThat(a.permits("host.test", 443)).isFalse();
        assertThat(a.permits("x.w.test", 9000)).isTrue();
        assertThat(a.permits("x.w.test", 443)).isFalse();
    }

    @Test
    void malformedEntriesAreRefusedNamingTheEntry() {
        assertThatThrownBy(() -> Allowlist.of(List.of("exa mple.com"), "egress.allowlist"))
                .hasMessageContaining("egress.allowlist").hasMessageContaining("exa mple.com");
        assertThatThrownBy(() -> Allowlist.of(List.of("host:99999"), "x")).hasMessageContaining("host:99999");
        assertThatThrownBy(() -> Allowlist.of(List.of("*"), "x")).hasMessageContaining("\"*\"");
    }

    @Test
    void ipLiteralFormsAreRecognised() {
        assertThat(Hosts.isIpLiteral("127.0.0.1")).isTrue();
        assertThat(Hosts.isIpLiteral("2130706433")).isTrue();
        assertThat(Hosts.isIpLiteral("0x7f000001")).isTrue();
        assertThat(Hosts.isIpLiteral("127.1")).isTrue();
        assertThat(Hosts.isIpLiteral("[::1]")).isTrue();
        assertThat(Hosts.isIpLiteral("example.com")).isFalse();
        assertThat(Hosts.canonicalLiteral("127.1")).isNull();
    }

    @Test
    void addressPolicyRefusesSpecialRangesUnlessAllowed() throws Exception {
        AddressPolicy p = AddressPolicy.allowing(List.of("10.1.0.0/16"));
        for (String refused : List.of("127.0.0.1", "10.0.0.1", "172.16.5.5", "192.168.1.1", "169.254.169.254",
                "100.64.0.7", "0.0.0.0", "::1", "fd00:ec2::254", "fe80::1", "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe",
                "224.0.0.1")) {
            assertThat(p.permits(InetAddress.getByName(refused))).as(refused).isFalse();
        }
        assertThat(p.permits(InetAddress.getByName("10.1.2.3"))).isTrue();
        assertThat(p.permits(InetAddress.getByName("::ffff:10.1.2.3"))).isTrue();
        assertThat(p.permits(InetAddress.getByName("93.184.215.14"))).isTrue();
        assertThat(p.explicitlyAllows(InetAddress.getByName("93.184.215.14"))).isFalse();
        assertThatThrownBy(() -> AddressPolicy.allowing(List.of("10.0.0.0/33"))).hasMessageContaining("10.0.0.0/33");
    }

    @Test
    void auditPathKeepsParameterNamesOnly() {
        assertThat(FrontendHandler.auditPath("http://u:p@h.test/a/b?token=abc&x=1&flag#frag"))
                .isEqualTo("/a/b?token=&x=&flag");
        assertThat(FrontendHandler.auditPath("/p?q=secret")).isEqualTo("/p?q=");
    }

    @Test
    void authorityPortsAreAsciiDigitsOnly() {
        assertThat(Authority.parse("example.com:8443")).isEqualTo(new Authority("example.com", 8443));
        assertThat(Authority.parse("example.com")).isEqualTo(new Authority("example.com", -1));
        // Integer.parseInt would read these as 80 / 443: a port that another parser sees differently is refused.
        assertThat(Authority.parse("example.com:\u0668\u0660")).isNull();
        assertThat(Authority.parse("example.com:\uff14\uff14\uff13")).isNull();
        assertThat(Authority.parse("example.com:+443")).isNull();
        assertThat(Authority.parse("example.com:")).isNull();
        assertThat(Authority.parse("example.com:65536")).isNull();
    }
}
