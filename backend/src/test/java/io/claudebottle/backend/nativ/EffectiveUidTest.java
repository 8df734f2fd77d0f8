package io.claudebottle.backend.nativ;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EffectiveUidTest {
    @Test
    void procfsGivesWhatLibcGives() {
        assertThat(EffectiveUid.get()).isEqualTo(Libc.geteuid());
        assertThat(EffectiveUid.isRoot()).isEqualTo(Libc.geteuid() == 0);
    }
}
