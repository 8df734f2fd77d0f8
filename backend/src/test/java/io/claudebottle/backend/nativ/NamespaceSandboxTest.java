package io.claudebottle.backend.nativ;

import static io.claudebottle.backend.nativ.SandboxSupport.ROOT;
import static io.claudebottle.backend.nativ.SandboxSupport.assumeSandbox;
import static io.claudebottle.backend.nativ.SandboxSupport.run;
import static io.claudebottle.backend.nativ.SandboxSupport.shell;
import static io.claudebottle.backend.nativ.SandboxSupport.workDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.claudebottle.backend.nativ.SandboxSupport.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The sandbox's isolation, each property tried from inside: namespaces, capabilities, network,
 * filesystem view, environment, the gate and teardown. Runs for bwrap and for the unshare fallback.
 */
class NamespaceSandboxTest {

    private static final List<String> NAMESPACES = List.of("user", "mnt", "pid", "ipc", "uts", "net");

    @TempDir
    Path temp;

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void everyNamespaceIsNewAndThePidNamesTheSandbox(SandboxTool tool) throws IOException {
        assumeSandbox(tool);
        try (Sandbox sandbox = NamespaceSandbox.launch(shell(workDir(temp), "true"), tool)) {
            for (String ns : NAMESPACES) {
                assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(sandbox.pid()), "ns", ns)))
                        .as(ns + " namespace").isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns", ns)));
            }
            assertThat(sandbox.netns()).isEqualTo(Path.of("/proc/" + sandbox.pid() + "/ns/net"));
        }
    }

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void noCapabilitiesNoNewPrivsNoNestedNamespacesNoHostProcesses(SandboxTool tool) {
        assumeSandbox(tool);
        Result r = run(shell(workDir(temp), """
                grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status
                hostname
                unshare --user true 2>/dev/null && echo NESTED-USERNS-ALLOWED
                mount -t tmpfs x /tmp 2>/dev/null && echo MOUNT-ALLOWED
                echo procs: $(ls /proc | grep -c '^[0-9]')
                """), tool);
        assertThat(r.stdout()).contains("CapInh:\t0000000000000000", "CapPrm:\t0000000000000000",
                "CapEff:\t0000000000000000", "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000",
                "NoNewPrivs:\t1", "bottle");
        assertThat(r.stdout()).doesNotContain("NESTED-USERNS-ALLOWED", "MOUNT-ALLOWED");
        int processes = Integer.parseInt(r.stdout().lines().filter(l -> l.startsWith("procs: ")).findFirst()
                .orElseThrow().substring(7).strip());
        assertThat(processes).as("processes visible inside (init, shell, ls, grep)").isLessThanOrEqualTo(5);
    }

    /**
     * Launched by root, the agent is the kernel's root user without capabilities, and many
     * host-wide knobs under /proc check only the user: a writable /proc/sys/kernel/core_pattern
     * would run a program of the agent's choosing as root on the host. (bwrap alone leaves
     * /proc/sys writable.) The write below stores the value the knob already has.
     */
    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void noHostWideKernelKnobIsWritable(SandboxTool tool) {
        assumeSandbox(tool);
        Result r = run(shell(workDir(temp), """
                v=$(cat /proc/sys/fs/lease-break-time)
                (echo "$v" > /proc/sys/fs/lease-break-time) 2>/dev/null && echo WROTE-HOST-SYSCTL
                find /proc -path '/proc/[0-9]*' -prune -o -path /proc/self -prune -o -path /proc/thread-self -prune \
                     -o -writable -print 2>/dev/null | sed 's/^/WRITABLE:/'
                echo done
                """), tool);
        assertThat(r.stdout()).isEqualTo("done\n");
    }

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void theNetworkIsLoopbackOnlyWithNoRouteAnywhere(SandboxTool tool) {
        assumeSandbox(tool);
        Result r = run(shell(workDir(temp), """
                ip -o link | awk '{print $2, $3}'
                echo routes: $(ip route show | wc -l) $(ip -6 route show | grep -vc '^::1 ')
                """), tool);
        assertThat(r.stdout().lines().filter(l -> l.contains(": <")).toList()).containsExactly("lo: <LOOPBACK,UP,LOWER_UP>");
        assertThat(r.stdout()).contains("routes: 0 0");
    }

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void systemIsReadOnlyWorkIsWritableTmpIsPrivate(SandboxTool tool) throws IOException {
        assumeSandbox(tool);
        Path work = workDir(temp);
        Path hostTmpMarker = Files.createTempFile("bottle-host-tmp-", ".marker");
        try {
            Result r = run(shell(work, """
                    for p in /usr/bin/bottle-x /etc/bottle-x /bottle-x /bin/bottle-x; do
                      touch "$p" 2>/dev/null && echo WROTE:$p
                    done
                    [ -e %s ] && echo HOST-TMP-VISIBLE
                    touch /tmp/scratch && echo tmp-ok
                    echo from-sandbox > made-inside && echo work-ok
                    pwd
                    """.formatted(hostTmpMarker)), tool);
            assertThat(r.stdout()).doesNotContain("WROTE:", "HOST-TMP-VISIBLE").contains("tmp-ok", "work-ok", work.toString());
            assertThat(Files.readString(work.resolve("made-inside"))).isEqualTo("from-sandbox\n");
            assertThat(Path.of("/tmp/scratch")).as("the sandbox's /tmp is not the host's").doesNotExist();
        } finally {
            Files.delete(hostTmpMarker);
        }
    }

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void homeHoldsOnlyTheGivenFilesAndGrantsAreReadOnly(SandboxTool tool) throws IOException {
        assumeSandbox(tool);
        Path skill = Files.createDirectories(temp.resolve("skills/init-prd"));
        Files.writeString(skill.resolve("SKILL.md"), "# init-prd\n");
        skill.toFile().setReadable(true, false);
        temp.toFile().setExecutable(true, false);
        temp.resolve("skills").toFile().setExecutable(true, false);
        skill.resolve("SKILL.md").toFile().setReadable(true, false);
        SandboxSpec spec = shell(workDir(temp), """
                echo home=$HOME
                cd ~ && find . -mindepth 1 | sort
                cat .claude/settings.json; echo
                cat .claude/skills/init-prd/SKILL.md
                echo x >> .claude/skills/init-prd/SKILL.md 2>/dev/null && echo GRANT-WRITABLE
                touch new-in-home && echo home-writable
                """).withHomeFile(".claude/settings.json", "{\"k\":1}".getBytes(StandardCharsets.UTF_8))
                .withHomeReadOnly(".claude/skills/init-prd", skill);
        Result r = run(spec, tool);
        assertThat(r.stdout()).contains("home=/home/agent", "{\"k\":1}", "# init-prd", "home-writable")
                .doesNotContain("GRANT-WRITABLE");
        assertThat(r.stdout().lines().filter(l -> l.startsWith("./")).toList()).containsExactly(
                "./.claude", "./.claude/settings.json", "./.claude/skills", "./.claude/skills/init-prd",
                "./.claude/skills/init-prd/SKILL.md");
        assertThat(Files.readString(skill.resolve("SKILL.md"))).isEqualTo("# init-prd\n");
    }

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void theUsersSecretsAndTheHostsSocketsAreNotVisible(SandboxTool tool) throws IOException {
        assumeSandbox(tool);
        Path userHome = Path.of(System.getProperty("user.home"));
        List<String> probes = new ArrayList<>(HostSecrets.forUser(userHome).paths().stream().map(Path::toString).toList());
        probes.addAll(List.of("/run", "/var/run/docker.sock", "/run/docker.sock", "/var", userHome.toString()));
        Path runMarker = null;
        if (ROOT && Files.isDirectory(Path.of("/run"))) {
            runMarker = Files.createTempFile(Path.of("/run"), "bottle-test-", ".marker");
            probes.add(runMarker.toString());
        }
        try {
            StringBuilder script = new StringBuilder();
            for (String probe : probes) {
                script.append("[ -e '").append(probe).append("' ] && echo VISIBLE:")
                        .append(probe).append('\n');
            }
            script.append("echo done\n");
            Result r = run(shell(workDir(temp), script.toString()), tool);
            assertThat(r.stdout()).isEqualTo("done\n");
        } finally {
            if (runMarker != null) {
                Files.delete(runMarker);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void hostFilesKeptFromOtherUsersStayHiddenFromARootLaunchedSandbox(SandboxTool tool) {
        assumeSandbox(tool);
        EtcMasks masks = EtcMasks.forEtc();
        StringBuilder script = new StringBuilder();
        for (Path file : masks.files()) {
            script.append("n=$(wc -c < '").append(file).append("' 2>/dev/null) && [ \"$n\" -gt 0 ] && echo READABLE:")
                    .append(file).append('\n');
        }
        for (Path dir : masks.directories()) {
            script.append("[ -n \"$(ls -A '").append(dir).append("' 2>/dev/null)\" ] && echo LISTABLE:").append(dir).append('\n');
        }
        script.append("echo done\n");
        Result r = run(shell(workDir(temp), script.toString()), tool);
        assertThat(r.stdout()).isEqualTo("done\n");
    }

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void theLaunchersEnvironmentNeverReachesTheAgent(SandboxTool tool) {
        assumeSandbox(tool);
        Result r = run(SandboxSpec.of(List.of("/usr/bin/env"), workDir(temp), "/home/agent")
                .withEnv("HTTPS_PROXY", "http://127.0.0.1:3128"), tool);
        Set<String> names = new HashSet<>();
        r.stdout().lines().forEach(line -> names.add(line.substring(0, line.indexOf('='))));
        assertThat(names).containsExactlyInAnyOrder("PATH", "HOME", "HTTPS_PROXY", "PWD");
    }

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void theCommandWaitsAtTheGate(SandboxTool tool) throws Exception {
        assumeSandbox(tool);
        Path work = workDir(temp);
        try (Sandbox sandbox = NamespaceSandbox.launch(shell(work, "touch started"), tool)) {
            Thread.sleep(300);
            assertThat(work.resolve("started")).doesNotExist();
            sandbox.startCommand();
            assertThat(SandboxSupport.collect(sandbox).exit()).isZero();
            assertThat(work.resolve("started")).exists();
            assertThatThrownBy(sandbox::startCommand).hasMessageContaining("already started");
        }
    }

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void homeFilesAddedAtTheGateAreThereWhenTheCommandStartsAndRefusedAfter(SandboxTool tool) throws Exception {
        assumeSandbox(tool);
        try (Sandbox sandbox = NamespaceSandbox.launch(shell(workDir(temp), "cat ~/.bottle/ca.pem"), tool)) {
            sandbox.addHomeFiles(Map.of(".bottle/ca.pem", "late CA\n".getBytes(StandardCharsets.UTF_8)));
            sandbox.startCommand();
            Result r = SandboxSupport.collect(sandbox);
            assertThat(r.exit()).isZero();
            assertThat(r.stdout()).isEqualTo("late CA\n");
            assertThatThrownBy(() -> sandbox.addHomeFiles(Map.of("x", new byte[0])))
                    .hasMessageContaining("before the command starts");
        }
    }

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void closeLeavesNoProcessNamespaceOrStageBehind(SandboxTool tool) throws Exception {
        assumeSandbox(tool);
        Sandbox sandbox = NamespaceSandbox.launch(shell(workDir(temp),
                "sleep 1000 & (sleep 1000 &) ; setsid sleep 1000 & exec sleep 1000"), tool);
        sandbox.startCommand();
        Thread.sleep(200);
        long pid = sandbox.pid();
        String netns = Files.readSymbolicLink(sandbox.netns()).toString();
        List<Long> inside = processesIn(netns);
        assertThat(inside).as("init, the command and three background sleeps").hasSizeGreaterThanOrEqualTo(4);
        Path stage = sandbox.stageDir();
        sandbox.close();
        assertThat(Sandbox.running(pid)).isFalse();
        assertThat(inside).noneMatch(Sandbox::running);
        assertThat(processesIn(netns)).isEmpty();
        assertThat(sandbox.process().isAlive()).isFalse();
        assertThat(stage).doesNotExist();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(stage.toString());
        sandbox.close();
    }

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void refusesAWorkDirThatWouldExposeSecrets(SandboxTool tool) {
        assumeSandbox(tool);
        Path userHome = Path.of(System.getProperty("user.home"));
        if (Files.isDirectory(userHome)) {
            assertThatThrownBy(() -> NamespaceSandbox.launch(SandboxSpec.of(List.of("true"), userHome, "/home/agent"), tool))
                    .isInstanceOf(SandboxException.class).hasMessageContaining("workDir refused: " + userHome + " contains");
        }
        assertThatThrownBy(() -> NamespaceSandbox.launch(SandboxSpec.of(List.of("true"), Path.of("/var"), "/home/agent"), tool))
                .isInstanceOf(SandboxException.class).hasMessageContaining("workDir refused: /var contains /var/run");
    }

    @ParameterizedTest
    @EnumSource(SandboxTool.class)
    void aFailingSetupSaysWhyAndLeavesNothing(SandboxTool tool) throws IOException {
        assumeSandbox(tool);
        Path work = workDir(temp);
        Set<Path> stagesBefore = stages();
        // a home below /usr cannot be created on the read-only system view
        assertThatThrownBy(() -> NamespaceSandbox.launch(SandboxSpec.of(List.of("true"), work, "/usr/bottle-home"), tool))
                .isInstanceOf(SandboxException.class).hasMessageContaining("the sandbox failed to start");
        assertThat(stagesBefore).as("no new stage directory").containsAll(stages());
    }

    static List<Long> processesIn(String netns) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> proc = Files.list(Path.of("/proc"))) {
            for (Path p : proc.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (Files.readSymbolicLink(p.resolve("ns/net")).toString().equals(netns)) {
                        pids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException goneOrNotOurs) {
                    // exited meanwhile, or another user's process
                }
            }
        }
        return pids;
    }

    private static Set<Path> stages() throws IOException {
        try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return new HashSet<>(tmp.filter(p -> p.getFileName().toString().startsWith("bottle-sandbox-")).toList());
        }
    }
}
