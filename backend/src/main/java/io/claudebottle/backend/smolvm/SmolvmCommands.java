package io.claudebottle.backend.smolvm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code smolvm} command lines the smolmachines backend issues (smolvm 0.8 syntax), run
 * through a {@link ProcessRunner}. One machine per bottle, named {@code claude-bottle-<bottle id>}.
 */
final class SmolvmCommands {

    static final String EXECUTABLE = "smolvm";
    static final String INSTALL_COMMAND = "curl -sSL https://smolmachines.com/install.sh | sh";
    static final String INSTALL_HINT = "install smolvm (macOS: `" + INSTALL_COMMAND + "`, "
            + "then open a new shell so that it is on PATH) or use the default backend (`--backend docker`)";
    private static final String MACHINE_PREFIX = "claude-bottle-";

    private final ProcessRunner runner;

    SmolvmCommands(ProcessRunner runner) {
        this.runner = runner;
    }

    /** Where smolvm is on the runner's PATH, if it is. */
    java.util.Optional<Path> installedPath() {
        return runner.which(EXECUTABLE);
    }

    /** Fails with how to install smolvm when it is not on the runner's PATH. */
    Path requireInstalled() {
        return runner.which(EXECUTABLE).orElseThrow(() -> new SmolvmException(
                "the smolmachines backend needs `smolvm` on PATH, and it is not there; " + INSTALL_HINT));
    }

    static String machineName(String bottleId) {
        return MACHINE_PREFIX + bottleId;
    }

    /**
     * {@code --allow-cidr} is passed although smolvm 0.8.0 drops it with {@code --from} (see
     * {@link SmolvmStateDb}): once smolvm honours it, the DB patch just rewrites the same value.
     *
     * @param readOnlyMounts host directory → guest directory, mounted read-only
     */
    static List<String> create(String machine, Path smolmachine, String allowCidr, Map<Path, String> readOnlyMounts) {
        List<String> argv = new ArrayList<>(List.of(EXECUTABLE, "machine", "create", machine,
                "--from", smolmachine.toString(), "--allow-cidr", allowCidr));
        readOnlyMounts.forEach((host, guest) -> argv.addAll(List.of("-v", host + ":" + guest + ":ro")));
        return List.copyOf(argv);
    }

    static List<String> start(String machine) {
        return List.of(EXECUTABLE, "machine", "start", "--name", machine);
    }

    /**
     * Runs {@code command} in the machine. The env values land on smolvm's argv, so they must never
     * carry secrets (agents get none: the tokens live in the sidecar).
     */
    static List<String> exec(String machine, Stdio stdio, Map<String, String> env, List<String> command) {
        List<String> argv = new ArrayList<>(List.of(EXECUTABLE, "machine", "exec", "--name", machine));
        argv.addAll(stdio.flags);
        env.forEach((key, value) -> argv.addAll(List.of("-e", key + "=" + value)));
        argv.add("--");
        argv.addAll(command);
        return List.copyOf(argv);
    }

    /** How an exec is wired to the host. */
    enum Stdio {
        /** no input, output captured */
        NONE(List.of()),
        /** input from the launcher (file contents), output captured */
        INPUT(List.of("-i")),
        /** the user's terminal */
        TERMINAL(List.of("-i", "-t"));

        final List<String> flags;

        Stdio(List<String> flags) {
            this.flags = flags;
        }
    }

    static List<String> stop(String machine) {
        return List.of(EXECUTABLE, "machine", "stop", "--name", machine);
    }

    static List<String> delete(String machine) {
        return List.of(EXECUTABLE, "machine", "delete", machine, "-f");
    }

    /** Packs an image ({@code docker save} archive or reference) into {@code output}{@code .smolmachine}. */
    static List<String> pack(String image, Path output) {
        return List.of(EXECUTABLE, "pack", "create", "--image", image, "-o", output.toString());
    }

    void createMachine(String machine, Path smolmachine, String allowCidr, Map<Path, String> readOnlyMounts) {
        runner.run(create(machine, smolmachine, allowCidr, readOnlyMounts)).orFail("creating smolvm machine '" + machine + "'");
    }

    void startMachine(String machine) {
        runner.run(start(machine)).orFail("starting smolvm machine '" + machine + "'");
    }

    /** Runs the command in the machine on this terminal; returns its exit code. */
    int attach(String machine, Map<String, String> env, List<String> command) {
        return runner.runAttached(exec(machine, Stdio.TERMINAL, env, command));
    }

    ProcessRunner.Result execCaptured(String machine, Map<String, String> env, List<String> command, Duration timeout) {
        return runner.run(exec(machine, Stdio.NONE, env, command), null, timeout);
    }

    /** Writes {@code content} to {@code guestPath} in the machine (parent directories created). */
    void writeFile(String machine, String guestPath, byte[] content) {
        copyIn(machine, guestPath, content, ">");
    }

    /** Appends {@code content} to {@code guestPath} in the machine. */
    void appendFile(String machine, String guestPath, byte[] content) {
        copyIn(machine, guestPath, content, ">>");
    }

    private void copyIn(String machine, String guestPath, byte[] content, String redirect) {
        runner.run(exec(machine, Stdio.INPUT, Map.of(),
                        List.of("sh", "-c", "mkdir -p \"$(dirname \"$1\")\" && cat " + redirect + " \"$1\"", "sh", guestPath)),
                content, Duration.ofMinutes(1)).orFail("writing " + guestPath + " into smolvm machine '" + machine + "'");
    }

    void stopMachine(String machine) {
        runner.run(stop(machine)).orFail("stopping smolvm machine '" + machine + "'");
    }

    static List<String> list() {
        return List.of(EXECUTABLE, "machine", "ls", "--json");
    }

    /** Deletes the machine; fine if it does not exist, an error if it is still listed afterwards. */
    void deleteIfPresent(String machine) {
        ProcessRunner.Result deleted = runner.run(delete(machine));
        if (deleted.ok()) {
            return;
        }
        ProcessRunner.Result listed = runner.run(list()).orFail("listing smolvm machines");
        if (listed.stdout().contains("\"" + machine + "\"")) {
            deleted.orFail("deleting smolvm machine '" + machine + "'");
        }
    }

    /** Runs a clean-up command whose failure (e.g. the machine is already stopped) changes nothing. */
    void runQuietly(List<String> command) {
        runner.run(command);
    }

    void packImage(String image, Path output) {
        runner.run(pack(image, output)).orFail("packing " + image + " into " + output + ".smolmachine");
    }
}
