package io.claudebottle.egress;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.security.PrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class BottleCaTest {

    @Test
    void mintsAnEcP384CaNamedAfterTheBottle() {
        BottleCa ca = BottleCa.mint("gitea-dev-3f9a");
        X509Certificate c = ca.certificate();
        assertThat(c.getSubjectX500Principal().getName()).contains("CN=claude-bottle CA gitea-dev-3f9a");
        assertThat(c.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(((ECPublicKey) c.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(384);
        assertThat(ca.certificatePem()).startsWith("-----BEGIN CERTIFICATE-----").doesNotContain("PRIVATE");
        assertThat(BottleCa.mint("gitea-dev-3f9a").certificate()).isNotEqualTo(c);
    }

    @Test
    void leavesChainToTheCaAndNameTheHost() throws Exception {
        BottleCa ca = BottleCa.mint("b");
        X509Certificate leaf = ca.issue("api.example.com").certificate();
        leaf.verify(ca.certificate().getPublicKey());
        leaf.checkValidity();
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1");
        assertThat(leaf.getSubjectAlternativeNames()).anySatisfy(san -> assertThat(san.get(1)).isEqualTo("api.example.com"));
    }

    @Test
    void thePrivateKeyHasNoPublicWayOut() {
        for (Method m : BottleCa.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers())) {
                assertThat(m.getReturnType()).as(m.getName()).isNotEqualTo(PrivateKey.class);
                assertThat(Arrays.asList(m.getReturnType().getInterfaces())).doesNotContain(PrivateKey.class);
            }
        }
    }
}
