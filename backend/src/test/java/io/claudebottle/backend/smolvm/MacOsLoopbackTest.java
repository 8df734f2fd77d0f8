package io.claudebottle.backend.smolvm;

import static io.claudebottle.backend.smolvm.LoopbackAliasPoolTest.NO_LEFTOVERS;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The macOS {@code lo0} alias setup, against fake {@code ifconfig} and {@code sudo} on a temp PATH. */
class MacOsLoopbackTest {

    @TempDir
    Path tmp;
    private FakeHost host;
    private final List<String> notices = new ArrayList<>();
    private LoopbackInterface lo0;

    @BeforeEach
    void fakes() throws Exception {
        host = new FakeHost(tmp.resolve("host"), tmp.resolve("unused.db"));
        lo0 = LoopbackInterface.forThisHost(HostPlatform.MACOS, host.runner(), notices::add);
    }

    @Test
    void missingAliasesAreAddedWithSudoIfconfigOnceThenNeverAgain() throws Exception {
        Files.writeString(host.root.resolve("lo0"), "127.0.0.20\n"); // added earlier this boot

        lo0.ensureUp(LoopbackAliasPool.ALIASES);
        lo0.ensureUp(LoopbackAliasPool.ALIASES);

        List<List<String>> sudo = host.calls("sudo");
        assertThat(sudo).hasSize(15).allSatisfy(c -> assertThat(c.subList(1, 4)).containsExactly("ifconfig", "lo0", "alias"));
        assertThat(sudo.getFirst()).containsExactly("sudo", "ifconfig", "lo0", "alias", "127.0.0.16", "up");
        assertThat(sudo).noneMatch(c -> c.contains("127.0.0.20"));
        assertThat(Files.readAllLines(host.root.resolve("lo0"))).containsExactlyInAnyOrderElementsOf(LoopbackAliasPool.ALIASES);
        assertThat(notices).singleElement().asString().contains("127.0.0.16", "once per boot");
    }

    @Test
    void whenSudoIsRefusedTheErrorGivesTheCommandToRunByHand() throws Exception {
        host.flag("sudo-refuses");

        assertThatThrownBy(() -> lo0.ensureUp(LoopbackAliasPool.ALIASES))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("`sudo ifconfig lo0 alias 127.0.0.16 up`")
                .hasMessageContaining("run it yourself");
    }

    @Test
    void thePoolOnMacOsReservesOnlyAfterTheAliasesAnswer() throws Exception {
        LoopbackAliasPool pool = new LoopbackAliasPool(tmp.resolve("pool"), lo0, ProcessHandle.current());

        assertThat(pool.reserve("dev-000001", NO_LEFTOVERS).alias()).isEqualTo("127.0.0.16");
        assertThat(pool.reserve("dev-000002", NO_LEFTOVERS).alias()).isEqualTo("127.0.0.17");

        assertThat(host.calls("sudo")).hasSize(16);
    }

    @Test
    void onLinuxNothingIsRun() throws Exception {
        LoopbackInterface.forThisHost(HostPlatform.LINUX, host.runner(), notices::add).ensureUp(LoopbackAliasPool.ALIASES);

        assertThat(host.calls()).isEmpty();
        assertThat(notices).isEmpty();
    }
}
