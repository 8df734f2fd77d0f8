package io.claudebottle.backend.smolvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The allowlist workaround against the real smolvm (macOS): a VM created {@code --from} a packed
 * image, patched, then started, reaches a listener on its alias and not one on 127.0.0.1. Skips
 * where smolvm, a local {@code alpine} image or the 127.0.0.16 alias is missing; all its traffic
 * stays on loopback.
 */
class SmolvmIntegrationTest {

    @TempDir
    Path tmp;

    @Test
    void aPatchedVmReachesItsAliasAndNothingElseOnLoopback() throws Exception {
        assumeTrue(HostPlatform.current() == HostPlatform.MACOS, "the smolmachines backend is macOS-only");
        ProcessRunner runner = ProcessRunner.inheritingEnvironment();
        boolean requireAll = Boolean.getBoolean("bottle.requireAll");
        assumeTrue(runner.which("smolvm").isPresent() || requireAll, "smolvm is not installed");
        assumeTrue(runner.which("docker").isPresent() && runner.run(List.of("docker", "image", "inspect", "alpine:latest")).ok()
                || requireAll, "no local alpine:latest image to pack (docker pull alpine once)");
        assumeTrue(runner.run(List.of("ifconfig", "lo0")).stdout().contains("inet 127.0.0.16 ") || requireAll,
                "127.0.0.16 is not on lo0 (sudo ifconfig lo0 alias 127.0.0.16 up)");

        SmolvmCommands smolvm = new SmolvmCommands(runner);
        SmolvmStateDb stateDb = SmolvmStateDb.forThisHost(System.err::println);
        Path packed = new AgentImagePacker(runner, smolvm, tmp).smolmachineFor("alpine:latest");
        String machine = SmolvmCommands.machineName("it-" + ProcessHandle.current().pid());
        try (ServerSocket own = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.16"));
             ServerSocket hostService = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            smolvm.createMachine(machine, packed, "127.0.0.16/32", Map.of());
            try {
                stateDb.forceAllowlist(machine, List.of("127.0.0.16/32"));
                assertThat(stateDb.allowedCidrs(machine)).contains(List.of("127.0.0.16/32"));
                smolvm.startMachine(machine);

                assertThat(connect(smolvm, machine, "127.0.0.16", own.getLocalPort())).isZero();
                assertThat(connect(smolvm, machine, "127.0.0.1", hostService.getLocalPort())).isNotZero();
            } finally {
                smolvm.runQuietly(SmolvmCommands.stop(machine));
                smolvm.runQuietly(SmolvmCommands.delete(machine));
            }
        }
        assertThat(Files.exists(packed)).isTrue();
    }

    private static int connect(SmolvmCommands smolvm, String machine, String host, int port) {
        return smolvm.execCaptured(machine, Map.of(), List.of("nc", "-z", "-w", "3", host, String.valueOf(port)),
                Duration.ofSeconds(30)).exitCode();
    }
}
