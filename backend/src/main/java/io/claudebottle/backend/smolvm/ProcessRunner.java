package io.claudebottle.backend.smolvm;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs host commands for the smolmachines backend. The executable is looked up on this runner's own
 * {@code PATH} (not the JVM's), so tests can put fake {@code smolvm}, {@code ifconfig} and
 * {@code sudo} scripts first on a temporary PATH.
 */
final class ProcessRunner {

    /** What a finished command left behind. */
    record Result(List<String> command, int exitCode, String stdout, String stderr) {

        boolean ok() {
            return exitCode == 0;
        }

        /** Returns this result if the command succeeded, else fails naming the command and its stderr. */
        Result orFail(String what) {
            if (ok()) {
                return this;
            }
            String detail = stderr.isBlank() ? stdout.strip() : stderr.strip();
            throw new SmolvmException(what + " failed (exit " + exitCode + "): `" + String.join(" ", command)
                    + "`" + (detail.isEmpty() ? "" : ": " + detail));
        }
    }

    static final int TIMED_OUT = 124;

    private final Map<String, String> environment;

    ProcessRunner(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    static ProcessRunner inheritingEnvironment() {
        return new ProcessRunner(System.getenv());
    }

    Map<String, String> environment() {
        return environment;
    }

    /** The first executable called {@code name} on this runner's PATH. */
    Optional<Path> which(String name) {
        String path = environment.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Runs the command with stdin closed and its output captured. */
    Result run(List<String> command) {
        return run(command, null, null);
    }

    /**
     * Runs the command with its output captured, {@code stdin} (or nothing) as its input, killing it
     * after {@code timeout} (null: no limit; a killed command exits with 124, as with timeout(1)).
     */
    Result run(List<String> command, byte[] stdin, Duration timeout) {
        ProcessBuilder builder = builder(command);
        if (stdin == null) {
            builder.redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        }
        try {
            Process process = builder.start();
            CompletableFuture<String> stderr = background(() -> drain(process.getErrorStream()));
            CompletableFuture<String> stdout = background(() -> drain(process.getInputStream()));
            if (stdin != null) {
                try (var in = process.getOutputStream()) {
                    in.write(stdin);
                }
            }
            int exit;
            if (timeout == null) {
                exit = process.waitFor();
            } else if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                exit = process.exitValue();
            } else {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor();
                exit = TIMED_OUT;
            }
            return new Result(List.copyOf(command), exit, stdout.join(), stderr.join());
        } catch (IOException e) {
            throw new SmolvmException("could not run `" + String.join(" ", command) + "`: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SmolvmException("interrupted while running `" + String.join(" ", command) + "`", e);
        }
    }

    /**
     * Runs the command on this process's own terminal (stdin, stdout and stderr inherited), for
     * interactive sessions and for sudo's password prompt. Returns the exit code.
     */
    int runAttached(List<String> command) {
        try {
            return builder(command).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new SmolvmException("could not run `" + String.join(" ", command) + "`: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SmolvmException("interrupted while running `" + String.join(" ", command) + "`", e);
        }
    }

    private ProcessBuilder builder(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        List<String> resolved = new ArrayList<>(command);
        String exe = command.getFirst();
        if (!exe.contains(File.separator)) {
            resolved.set(0, which(exe).orElseThrow(() -> new SmolvmException(
                    "`" + exe + "` is not on PATH (" + environment.getOrDefault("PATH", "") + ")")).toString());
        }
        ProcessBuilder builder = new ProcessBuilder(resolved);
        builder.environment().clear();
        builder.environment().putAll(environment);
        return builder;
    }

    private static CompletableFuture<String> background(java.util.function.Supplier<String> task) {
        return CompletableFuture.supplyAsync(task, runnable -> Thread.ofVirtual().start(runnable));
    }

    private static File nullDevice() {
        return new File(File.separatorChar == '\\' ? "NUL" : "/dev/null");
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
