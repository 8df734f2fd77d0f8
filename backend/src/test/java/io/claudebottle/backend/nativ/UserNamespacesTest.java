package io.claudebottle.backend.nativ;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The error names the sysctl that disables user namespaces, and how to turn it back on. */
class UserNamespacesTest {

    @TempDir
    Path procSys;

    private void sysctl(String name, String value) throws IOException {
        Path file = procSys.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, value + "\n");
    }

    @Test
    void enabledWhenTheSysctlsAllowIt() throws IOException {
        sysctl("user/max_user_namespaces", "15000");
        sysctl("kernel/unprivileged_userns_clone", "1");
        assertThat(UserNamespaces.whyDisabled(procSys, false)).isEmpty();
        assertThat(UserNamespaces.whyDisabled(procSys, true)).isEmpty();
    }

    @Test
    void namesMaxUserNamespacesForEveryone() throws IOException {
        sysctl("user/max_user_namespaces", "0");
        assertThat(UserNamespaces.whyDisabled(procSys, true)).hasValueSatisfying(why -> assertThat(why)
                .contains("user.max_user_namespaces = 0").contains("sysctl -w user.max_user_namespaces="));
    }

    @Test
    void namesUnprivilegedUsernsCloneForNonRootOnly() throws IOException {
        sysctl("user/max_user_namespaces", "15000");
        sysctl("kernel/unprivileged_userns_clone", "0");
        assertThat(UserNamespaces.whyDisabled(procSys, false)).hasValueSatisfying(why -> assertThat(why)
                .contains("kernel.unprivileged_userns_clone = 0").contains("sysctl -w kernel.unprivileged_userns_clone=1"));
        assertThat(UserNamespaces.whyDisabled(procSys, true)).isEmpty();
    }

    @Test
    void namesTheAppArmorRestriction() throws IOException {
        sysctl("kernel/apparmor_restrict_unprivileged_userns", "1");
        assertThat(UserNamespaces.whyDisabled(procSys, false)).hasValueSatisfying(why -> assertThat(why)
                .contains("kernel.apparmor_restrict_unprivileged_userns = 1"));
    }

    @Test
    void missingSysctlsMeanAKernelWithoutTheKnobs() {
        assertThat(UserNamespaces.whyDisabled(procSys, false)).isEmpty();
    }
}
