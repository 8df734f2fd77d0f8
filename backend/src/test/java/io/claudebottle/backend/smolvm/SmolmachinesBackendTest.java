package io.claudebottle.backend.smolvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BottleInfo;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.node.JsonNodeFactory;

/** The whole launch against a fake smolvm and docker on a temp PATH, a fake sidecar bundle and a temp state DB. */
class SmolmachinesBackendTest {

    private static final String TOKEN = "sk-ant-oat01-NEVER-ON-ARGV-0123456789";

    @TempDir
    Path tmp;
    private FakeHost host;
    private Path db;
    private LoopbackAliasPool pool;
    private final FakeSidecars sidecars = new FakeSidecars();
    private final List<String> notices = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void fakeHost() throws Exception {
        assumeTrue(FakeHost.sqlite3Available() || Boolean.getBoolean("bottle.requireAll"),
                "sqlite3 is not installed (the fake smolvm writes its state DB with it)");
        db = SmolvmStateDb.defaultPath(tmp.resolve("home"));
        new SmolvmDbFixture(db);
        host = new FakeHost(tmp.resolve("host"), db);
        pool = new LoopbackAliasPool(tmp.resolve("state/loopback-aliases"), LoopbackInterface.alreadyLocal(),
                ProcessHandle.current());
    }

    private SmolmachinesBackend backend(HostPlatform dbPlatform) {
        ProcessRunner runner = host.runner();
        SmolvmCommands smolvm = new SmolvmCommands(runner);
        return new SmolmachinesBackend(smolvm, new SmolvmStateDb(db, dbPlatform, notices::add), pool,
                new AgentImagePacker(runner, smolvm, tmp.resolve("cache")), sidecars, notices::add);
    }

    private BottleLaunch launch(List<String> command, Map<String, Path> skills) {
        return new BottleLaunch("dev", "gitea-dev", JsonNodeFactory.instance.objectNode(),
                Map.of("CLAUDE_BOTTLE_OAUTH_TOKEN", TOKEN), Map.of("GIT_AUTHOR_NAME", "didericis"),
                Map.of(".claude/settings.json", "{\"theme\":\"dark\"}"), Map.of(), skills, command, false,
                Optional.empty(), new BottleLaunch.Images("claude-bottle-agent:dev", "claude-bottle-sidecar:dev"));
    }

    @Test
    void aLaunchIssuesExactlyTheseCommandsAndTheVmBootsWithOnlyItsAliasAllowed() throws Exception {
        Path skill = Files.createDirectories(tmp.resolve("skills/init-prd"));
        Backend backend = backend(HostPlatform.MACOS);

        String id;
        try (RunningBottle bottle = backend.start(launch(
                List.of("sh", "-c", "echo \"$HTTPS_PROXY $NO_PROXY $GIT_AUTHOR_NAME\"; exit 3"), Map.of("init-prd", skill)),
                Backend.Progress.SILENT)) {
            id = bottle.bottleId();
            assertThat(id).matches("dev-[0-9a-f]{6}");
            assertThat(bottle.runtime()).isEqualTo("smolvm");
            assertThat(host.boots()).containsExactly("claude-bottle-" + id + " [\"127.0.0.16/32\"]");
            assertThat(sidecars.started).containsExactly(id + " 127.0.0.16");
            assertThat(backend.list()).singleElement().satisfies(b -> {
                assertThat(b.bottleId()).isEqualTo(id);
                assertThat(b.agent()).isEqualTo("dev");
                assertThat(b.launcherAlive()).isTrue();
            });

            RunningBottle.AgentResult result = bottle.runAgent(Duration.ofSeconds(30));
            assertThat(result.exitCode()).isEqualTo(3);
            assertThat(result.stdout()).isEqualTo("http://127.0.0.16:3128 "
                    + "pipelock,egress,cred-proxy,git-gate,supervise,127.0.0.16,localhost,127.0.0.1 didericis\n");
            assertThat(bottle.sidecarExec(List.of("cat", "/run/bottle/audit.jsonl"))).isEqualTo("ran cat /run/bottle/audit.jsonl");
        }

        String machine = "claude-bottle-" + id;
        Path packed = tmp.resolve("cache/agent-0123456789abcdef.smolmachine");
        List<List<String>> smolvm = host.calls("smolvm");
        assertThat(smolvm.get(0).subList(0, 4)).containsExactly("smolvm", "pack", "create", "--image");
        assertThat(smolvm.subList(1, 7)).containsExactly(
                List.of("smolvm", "machine", "create", machine, "--from", packed.toString(), "--allow-cidr", "127.0.0.16/32",
                        "-v", skill.toAbsolutePath() + ":/home/agent/.claude/skills/init-prd:ro"),
                List.of("smolvm", "machine", "start", "--name", machine),
                List.of("smolvm", "machine", "exec", "--name", machine, "-i", "--", "sh", "-c",
                        "mkdir -p \"$(dirname \"$1\")\" && cat >> \"$1\"", "sh", "/etc/hosts"),
                List.of("smolvm", "machine", "exec", "--name", machine, "-i", "--", "sh", "-c",
                        "mkdir -p \"$(dirname \"$1\")\" && cat > \"$1\"", "sh", "/etc/resolv.conf"),
                List.of("smolvm", "machine", "exec", "--name", machine, "-i", "--", "sh", "-c",
                        "mkdir -p \"$(dirname \"$1\")\" && cat > \"$1\"", "sh", "/home/agent/.claude/settings.json"),
                List.of("smolvm", "machine", "exec", "--name", machine, "-i", "--", "sh", "-c",
                        "mkdir -p \"$(dirname \"$1\")\" && cat > \"$1\"", "sh", "/home/agent/.bottle/ca.pem"));
        assertThat(smolvm.get(7)).startsWith("smolvm", "machine", "exec", "--name", machine, "-e", "HTTPS_PROXY=http://127.0.0.16:3128")
                .contains("NODE_EXTRA_CA_CERTS=/home/agent/.bottle/ca.pem", "GIT_AUTHOR_NAME=didericis")
                .endsWith("--", "sh", "-c", "echo \"$HTTPS_PROXY $NO_PROXY $GIT_AUTHOR_NAME\"; exit 3");
        assertThat(smolvm.subList(8, smolvm.size())).containsExactly(
                List.of("smolvm", "machine", "stop", "--name", machine),
                List.of("smolvm", "machine", "delete", machine, "-f"));
        assertThat(Files.readString(host.root.resolve("vm/" + machine + "/home/agent/.bottle/ca.pem"))).isEqualTo(FakeSidecars.CA);
        assertThat(Files.readString(host.root.resolve("vm/" + machine + "/etc/hosts")))
                .isEqualTo("127.0.0.16 pipelock egress cred-proxy git-gate supervise\n");
        // The VM's only resolver is its sidecar's DNS sink on the alias (the allowlist blocks every other one).
        assertThat(Files.readAllLines(host.root.resolve("vm/" + machine + "/etc/resolv.conf")))
                .filteredOn(line -> !line.startsWith("#"))
                .containsExactly("nameserver 127.0.0.16", "options use-vc timeout:2 attempts:1");

        // Torn down: no machine row, sidecar removed, alias free again.
        assertThat(new SmolvmDbFixture.Reader(db).names()).isEmpty();
        assertThat(sidecars.closed).containsExactly(id);
        assertThat(pool.reservations()).isEmpty();
    }

    @Test
    void tokensNeverReachAnyCommandLine() throws Exception {
        try (RunningBottle bottle = backend(HostPlatform.MACOS).start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT)) {
            bottle.runAgent(Duration.ofSeconds(30));
        }
        assertThat(Files.readString(host.log)).isNotBlank().doesNotContain(TOKEN);
        assertThat(host.root.resolve("vm")).isDirectoryNotContaining(p -> contains(p, TOKEN));
    }

    @Test
    void twoBottlesGetTwoAliasesAndEachVmIsAllowedOnlyItsOwn() throws Exception {
        SmolmachinesBackend backend = backend(HostPlatform.MACOS);
        try (RunningBottle first = backend.start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT);
             RunningBottle second = backend.start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT)) {
            assertThat(host.boots()).containsExactly(
                    "claude-bottle-" + first.bottleId() + " [\"127.0.0.16/32\"]",
                    "claude-bottle-" + second.bottleId() + " [\"127.0.0.17/32\"]");
            assertThat(sidecars.started).containsExactly(
                    first.bottleId() + " 127.0.0.16", second.bottleId() + " 127.0.0.17");
        }
        assertThat(pool.reservations()).isEmpty();
    }

    @Test
    void aVmWhoseAllowlistWasNotSetIsNeverStarted() throws Exception {
        // The patch skipped (as on Linux): the row still says null, i.e. unrestricted egress.
        SmolmachinesBackend backend = backend(HostPlatform.LINUX);

        assertThatThrownBy(() -> backend.start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("would start with egress allowlist null (unrestricted) instead of [127.0.0.16/32]")
                .hasMessageContaining("refusing to start it");

        assertThat(host.calls("smolvm")).noneMatch(c -> c.contains("start"));
        assertThat(host.boots()).isEmpty();
        assertTornDown();
    }

    @Test
    void aMachineRowUnderAnotherNameFailsClosed() throws Exception {
        host.flag("create-writes-elsewhere");

        assertThatThrownBy(() -> backend(HostPlatform.MACOS).start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("has no row in " + db);

        assertThat(host.boots()).isEmpty();
        assertThat(sidecars.closed).hasSize(1);
        assertThat(pool.reservations()).isEmpty();
    }

    @Test
    void aFailedStartTearsDownWhatWasCreated() throws Exception {
        host.flag("start-fails");

        assertThatThrownBy(() -> backend(HostPlatform.MACOS).start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("hypervisor unavailable");

        assertTornDown();
    }

    @Test
    void aFailedSidecarCreatesNoMachine() throws Exception {
        sidecars.failStart = true;

        assertThatThrownBy(() -> backend(HostPlatform.MACOS).start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT))
                .hasMessageContaining("sidecar did not get healthy");

        assertThat(host.calls("smolvm")).noneMatch(c -> c.contains("create") && c.contains("machine"));
        assertThat(pool.reservations()).isEmpty();
    }

    @Test
    void aBottleStoppedFromAnotherLauncherIsNotTornDownTwice() throws Exception {
        RunningBottle bottle = backend(HostPlatform.MACOS).start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT);
        String machine = "claude-bottle-" + bottle.bottleId();

        assertThat(backend(HostPlatform.MACOS).stop(bottle.bottleId())).isTrue();
        bottle.close();

        assertThat(host.calls("smolvm").stream().filter(c -> c.contains("delete")).toList())
                .containsExactly(List.of("smolvm", "machine", "delete", machine, "-f"));
        assertThat(sidecars.removed).containsExactly(bottle.bottleId());
        assertThat(sidecars.closed).isEmpty();
        assertThat(notices).noneMatch(n -> n.contains("teardown step failed"));
        assertThat(pool.reservations()).isEmpty();
    }

    @Test
    void whenTheMachineCannotBeDeletedTheAliasStaysReservedForGc() throws Exception {
        RunningBottle bottle = backend(HostPlatform.MACOS).start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT);
        host.flag("delete-fails");

        bottle.close();

        assertThat(notices).anySatisfy(n -> assertThat(n).contains("teardown step failed", "is busy", "bottle gc"));
        assertThat(sidecars.closed).containsExactly(bottle.bottleId());
        // Still reserved: no other bottle may get an alias whose old VM may still be allowed to reach it.
        assertThat(pool.reservations()).extracting(LoopbackAliasPool.Reservation::bottleId).containsExactly(bottle.bottleId());
    }

    @Test
    void gcRemovesTheMachineSidecarAndAliasOfADeadLauncher() throws Exception {
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Files.createDirectories(tmp.resolve("state/loopback-aliases"));
        Files.writeString(tmp.resolve("state/loopback-aliases/127.0.0.16.reservation"),
                "pid=" + dead.pid() + "\nbottle=dev-dead01\nreserved=2026-11-28T01:00:00Z\n");
        SmolmachinesBackend backend = backend(HostPlatform.MACOS);
        assertThat(backend.leftovers()).extracting(BottleInfo::bottleId).containsExactly("dev-dead01");

        assertThat(backend.gc()).containsExactly("dev-dead01");

        // No such machine any more: the delete fails, the listing shows it gone, so that is fine.
        assertThat(host.calls("smolvm")).containsExactly(
                List.of("smolvm", "machine", "stop", "--name", "claude-bottle-dev-dead01"),
                List.of("smolvm", "machine", "delete", "claude-bottle-dev-dead01", "-f"),
                List.of("smolvm", "machine", "ls", "--json"));
        assertThat(sidecars.removed).containsExactly("dev-dead01");
        assertThat(backend.list()).isEmpty();
    }

    @Test
    void aDeadLaunchersVmIsRemovedBeforeItsAliasGoesToTheNextBottle() throws Exception {
        // A launcher was SIGKILLed: its VM still runs, allowed to reach 127.0.0.16.
        SmolvmCommands smolvm = new SmolvmCommands(host.runner());
        smolvm.createMachine("claude-bottle-dev-dead01", Path.of("/x.smolmachine"), "127.0.0.16/32", Map.of());
        deadReservation("127.0.0.16", "dev-dead01");

        try (RunningBottle bottle = backend(HostPlatform.MACOS).start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT)) {
            List<List<String>> calls = host.calls("smolvm");
            int deleted = calls.indexOf(List.of("smolvm", "machine", "delete", "claude-bottle-dev-dead01", "-f"));
            int created = calls.indexOf(List.of("smolvm", "machine", "create", "claude-bottle-" + bottle.bottleId(), "--from",
                    tmp.resolve("cache/agent-0123456789abcdef.smolmachine").toString(), "--allow-cidr", "127.0.0.16/32"));
            assertThat(deleted).isNotNegative().isLessThan(created);
            assertThat(sidecars.removed).containsExactly("dev-dead01");
            assertThat(new SmolvmDbFixture.Reader(db).names()).containsExactly("claude-bottle-" + bottle.bottleId());
        }
    }

    @Test
    void anAliasWhoseOldVmCannotBeRemovedIsSkipped() throws Exception {
        SmolvmCommands smolvm = new SmolvmCommands(host.runner());
        smolvm.createMachine("claude-bottle-dev-dead01", Path.of("/x.smolmachine"), "127.0.0.16/32", Map.of());
        deadReservation("127.0.0.16", "dev-dead01");
        host.flag("delete-fails");

        try (RunningBottle bottle = backend(HostPlatform.MACOS).start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT)) {
            assertThat(host.boots()).containsExactly("claude-bottle-" + bottle.bottleId() + " [\"127.0.0.17/32\"]");
        }
        assertThat(pool.reservations()).extracting(LoopbackAliasPool.Reservation::bottleId).contains("dev-dead01");
    }

    @Test
    void aStopWhileTheBottleStartsKeepsItsVmFromEverBootingOnTheReleasedAlias() throws Exception {
        // `bottle stop` arrives while the launcher is between its reservation and `machine start`, and a
        // second bottle takes the freed alias at once: the first VM must never boot allowed to reach it.
        List<RunningBottle> second = new ArrayList<>();
        sidecars.onStart = id -> {
            sidecars.onStart = other -> { };
            assertThat(backend(HostPlatform.MACOS).stop(id)).isTrue();
            second.add(backend(HostPlatform.MACOS).start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT));
        };

        assertThatThrownBy(() -> backend(HostPlatform.MACOS).start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("was stopped (`bottle stop`) while it was starting")
                .hasMessageContaining("127.0.0.16");

        try (RunningBottle other = second.getFirst()) {
            String otherMachine = "claude-bottle-" + other.bottleId();
            assertThat(host.boots()).containsExactly(otherMachine + " [\"127.0.0.16/32\"]");
            assertThat(new SmolvmDbFixture.Reader(db).names()).containsExactly(otherMachine);
            assertThat(pool.reservations()).extracting(LoopbackAliasPool.Reservation::bottleId).containsExactly(other.bottleId());
        }
        assertThat(new SmolvmDbFixture.Reader(db).names()).isEmpty();
        assertThat(pool.reservations()).isEmpty();
    }

    @Test
    void stopAndGcWithoutSmolvmOnPathKeepTheAliasReserved() throws Exception {
        RunningBottle bottle = backend(HostPlatform.MACOS).start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT);
        ProcessRunner noSmolvm = FakeHost.runnerWithout(Files.createDirectory(tmp.resolve("empty")));
        SmolmachinesBackend housekeeping = SmolmachinesBackend.existing(HostPlatform.MACOS, noSmolvm, tmp.resolve("home"),
                tmp.resolve("state"), tmp.resolve("cache"), () -> sidecars, notices::add).orElseThrow();

        assertThatThrownBy(() -> housekeeping.stop(bottle.bottleId()))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("cannot make sure smolvm machine 'claude-bottle-" + bottle.bottleId() + "' is gone")
                .hasMessageContaining("install.sh");
        assertThat(pool.reservations()).extracting(LoopbackAliasPool.Reservation::bottleId).containsExactly(bottle.bottleId());
        assertThat(new SmolvmDbFixture.Reader(db).names()).containsExactly("claude-bottle-" + bottle.bottleId());

        bottle.close();
        assertThat(pool.reservations()).isEmpty();
    }

    @Test
    void psStopAndGcOpenOnAnyHostOnlyWhenAnAliasIsReservedAndNeverStartThere() throws Exception {
        ProcessRunner noSmolvm = FakeHost.runnerWithout(Files.createDirectory(tmp.resolve("empty")));
        assertThat(SmolmachinesBackend.existing(HostPlatform.LINUX, noSmolvm, tmp.resolve("home"), tmp.resolve("nothing"),
                tmp.resolve("cache"), SmolmachinesBackendTest::dockerMustNotBeTouched, notices::add)).isEmpty();
        assertThat(tmp.resolve("nothing")).doesNotExist();

        deadReservation("127.0.0.16", "dev-dead01");
        // Without smolvm gc cannot tell whether the VM is gone: the alias stays reserved, and it says why.
        SmolmachinesBackend stuck = SmolmachinesBackend.existing(HostPlatform.LINUX, noSmolvm, tmp.resolve("home"),
                tmp.resolve("state"), tmp.resolve("cache"), () -> sidecars, notices::add).orElseThrow();
        assertThat(stuck.gc()).isEmpty();
        assertThat(notices).anySatisfy(n -> assertThat(n).contains("dev-dead01", "127.0.0.16 kept reserved", "not on PATH"));

        SmolmachinesBackend linux = SmolmachinesBackend.existing(HostPlatform.LINUX, host.runner(), tmp.resolve("home"),
                tmp.resolve("state"), tmp.resolve("cache"), () -> sidecars, notices::add).orElseThrow();
        assertThat(linux.has("dev-dead01")).isTrue();
        assertThat(linux.list()).singleElement().satisfies(b -> {
            assertThat(b.bottleId()).isEqualTo("dev-dead01");
            assertThat(b.runtime()).isEqualTo("smolvm");
            assertThat(b.launcherAlive()).isFalse();
            assertThat(b.state()).isEqualTo("alias 127.0.0.16 still reserved");
        });
        assertThatThrownBy(() -> linux.start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT))
                .isInstanceOf(SmolvmException.class).hasMessageContaining("macOS-only");
        assertThat(host.calls()).isEmpty();

        assertThat(linux.gc()).containsExactly("dev-dead01");
        assertThat(host.calls("smolvm")).contains(List.of("smolvm", "machine", "delete", "claude-bottle-dev-dead01", "-f"));
        assertThat(sidecars.removed).containsExactly("dev-dead01");
        assertThat(pool.reservations()).isEmpty();
    }

    private void deadReservation(String alias, String bottleId) throws Exception {
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Files.createDirectories(tmp.resolve("state/loopback-aliases"));
        Files.writeString(tmp.resolve("state/loopback-aliases/" + alias + ".reservation"),
                "pid=" + dead.pid() + "\nbottle=" + bottleId + "\nreserved=2026-11-28T01:00:00Z\n");
    }

    @Test
    void withoutSmolvmStartFailsBeforeTouchingAnything() throws Exception {
        ProcessRunner runner = FakeHost.runnerWithout(Files.createDirectory(tmp.resolve("empty")));
        SmolvmCommands smolvm = new SmolvmCommands(runner);
        SmolmachinesBackend backend = new SmolmachinesBackend(smolvm, new SmolvmStateDb(db, HostPlatform.MACOS, notices::add),
                pool, new AgentImagePacker(runner, smolvm, tmp.resolve("cache")), sidecars, notices::add);

        assertThatThrownBy(() -> backend.start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("install.sh");
        assertThat(pool.reservations()).isEmpty();
        assertThat(sidecars.started).isEmpty();
    }

    @Test
    void onLinuxTheBackendRefusesToBeCreated() {
        assumeTrue(HostPlatform.current() != HostPlatform.MACOS, "this host is macOS");

        assertThatThrownBy(() -> SmolmachinesBackend.forThisHost(tmp, tmp, () -> sidecars, notices::add))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("macOS-only")
                .hasMessageContaining("--backend docker");
    }

    @Test
    void onLinuxWithoutSmolvmItSaysInstallSmolvmBeforeTouchingDocker() throws Exception {
        ProcessRunner runner = FakeHost.runnerWithout(Files.createDirectory(tmp.resolve("empty")));

        assertThatThrownBy(() -> SmolmachinesBackend.forHost(HostPlatform.LINUX, runner, tmp.resolve("home"),
                tmp.resolve("state"), tmp.resolve("cache"), SmolmachinesBackendTest::dockerMustNotBeTouched, notices::add))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("macOS-only")
                .hasMessageContaining("this host: LINUX, no smolvm on PATH")
                .hasMessageContaining("install smolvm")
                .hasMessageContaining("--backend docker");
        assertThat(tmp.resolve("state")).doesNotExist();
    }

    @Test
    void onLinuxWithSmolvmInstalledItStillRefusesBecauseTheAllowlistCouldNotBeEnforced() throws Exception {
        assertThatThrownBy(() -> SmolmachinesBackend.forHost(HostPlatform.LINUX, host.runner(), tmp.resolve("home"),
                tmp.resolve("state"), tmp.resolve("cache"), SmolmachinesBackendTest::dockerMustNotBeTouched, notices::add))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("this host: LINUX)")
                .hasMessageContaining("allowlist could not be enforced");
        assertThat(host.calls()).isEmpty();
    }

    @Test
    void onMacOsWithoutSmolvmItSaysHowToInstallItBeforeTouchingDocker() throws Exception {
        ProcessRunner runner = FakeHost.runnerWithout(Files.createDirectory(tmp.resolve("empty")));

        assertThatThrownBy(() -> SmolmachinesBackend.forHost(HostPlatform.MACOS, runner, tmp.resolve("home"),
                tmp.resolve("state"), tmp.resolve("cache"), SmolmachinesBackendTest::dockerMustNotBeTouched, notices::add))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("needs `smolvm` on PATH")
                .hasMessageContaining("install smolvm");
    }

    @Test
    void onMacOsTheFirstLaunchAddsTheAliasesWithOneSudoBatchThenStarts() throws Exception {
        try (SmolmachinesBackend backend = SmolmachinesBackend.forHost(HostPlatform.MACOS, host.runner(), tmp.resolve("home"),
                tmp.resolve("state"), tmp.resolve("cache"), () -> sidecars, notices::add);
             RunningBottle bottle = backend.start(launch(List.of("true"), Map.of()), Backend.Progress.SILENT)) {
            assertThat(host.calls("sudo")).hasSize(LoopbackAliasPool.ALIASES.size())
                    .first().isEqualTo(List.of("sudo", "ifconfig", "lo0", "alias", "127.0.0.16", "up"));
            assertThat(host.boots()).containsExactly("claude-bottle-" + bottle.bottleId() + " [\"127.0.0.16/32\"]");
        }
        assertThat(notices).anySatisfy(n -> assertThat(n).contains("sudo asks for your password once per boot"));
    }

    private static SmolmachinesBackend.SidecarBundle dockerMustNotBeTouched() {
        throw new AssertionError("the Docker side was opened before the host checks passed");
    }

    private void assertTornDown() throws Exception {
        assertThat(new SmolvmDbFixture.Reader(db).names()).isEmpty();
        assertThat(sidecars.closed).hasSize(1);
        assertThat(pool.reservations()).isEmpty();
    }

    private static boolean contains(Path file, String needle) {
        try {
            return Files.isRegularFile(file) && Files.readString(file).contains(needle);
        } catch (IOException e) {
            return false;
        }
    }

    /** Records what the Docker side was asked to do. */
    static final class FakeSidecars implements SmolmachinesBackend.SidecarBundle {
        static final String CA = "-----BEGIN CERTIFICATE-----\nfake bottle CA\n-----END CERTIFICATE-----\n";
        final List<String> started = Collections.synchronizedList(new ArrayList<>());
        final List<String> closed = Collections.synchronizedList(new ArrayList<>());
        final List<String> removed = Collections.synchronizedList(new ArrayList<>());
        boolean failStart;
        /** Runs with the bottle id as a sidecar starts: stands in for what other processes do meanwhile. */
        volatile java.util.function.Consumer<String> onStart = id -> { };

        @Override
        public Running start(String bottleId, BottleLaunch launch, String alias, Backend.Progress progress) {
            if (failStart) {
                throw new SmolvmException("sidecar did not get healthy");
            }
            started.add(bottleId + " " + alias);
            onStart.accept(bottleId);
            return new Running() {
                @Override
                public String caPem() {
                    return CA;
                }

                @Override
                public String exec(List<String> command) {
                    return "ran " + String.join(" ", command);
                }

                @Override
                public void close() {
                    closed.add(bottleId);
                }
            };
        }

        @Override
        public boolean remove(String bottleId) {
            removed.add(bottleId);
            return true;
        }
    }
}
