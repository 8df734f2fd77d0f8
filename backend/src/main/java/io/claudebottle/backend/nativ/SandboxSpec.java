package io.claudebottle.backend.nativ;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one native sandbox runs and sees. The agent gets exactly: a read-only view of the system
 * (/usr, /etc and the /bin, /lib*, /sbin links), {@code workDir} writable at its own path, a
 * private {@code home} holding only {@code homeFiles} (written fresh) and {@code homeReadOnly}
 * (host paths bound read-only, e.g. granted skills), a private /tmp, a minimal /proc and /dev, and
 * an environment of {@code PATH}, {@code HOME} and {@code env} only.
 *
 * @param command      the agent command and its arguments; it runs once {@link Sandbox#startCommand()} is called
 * @param workDir      absolute host directory, writable inside at the same path
 * @param home         absolute path of the private home inside the sandbox
 * @param env          extra environment; the launcher's own environment never reaches the sandbox
 * @param homeFiles    files to create in the private home: path relative to {@code home} → content
 * @param homeReadOnly host files or directories bound read-only into the home: relative path → host path
 * @param etcHosts     content of the sandbox's {@code /etc/hosts} (read-only), or null for the host's
 */
public record SandboxSpec(List<String> command, Path workDir, String home, Map<String, String> env,
                          Map<String, byte[]> homeFiles, Map<String, Path> homeReadOnly, String etcHosts) {

    public static final String DEFAULT_PATH = "/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin";

    public SandboxSpec(List<String> command, Path workDir, String home, Map<String, String> env,
                       Map<String, byte[]> homeFiles, Map<String, Path> homeReadOnly) {
        this(command, workDir, home, env, homeFiles, homeReadOnly, null);
    }

    public SandboxSpec {
        if (etcHosts != null && etcHosts.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("etcHosts: must not contain NUL");
        }
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command: must name a program to run in the sandbox");
        }
        if (!workDir.isAbsolute() || !Files.isDirectory(workDir)) {
            throw new IllegalArgumentException("workDir: " + workDir + " must be an existing absolute directory");
        }
        workDir = workDir.normalize();
        if (!home.startsWith("/") || Path.of(home).normalize().equals(Path.of("/"))) {
            throw new IllegalArgumentException("home: " + home + " must be an absolute path below /");
        }
        home = Path.of(home).normalize().toString();
        if (Path.of(home).startsWith(workDir) || workDir.startsWith(Path.of(home))) {
            throw new IllegalArgumentException("home: " + home + " must not contain or lie inside workDir " + workDir
                    + " (the private home would hide the work or the reverse)");
        }
        env = Map.copyOf(env);
        env.keySet().forEach(SandboxSpec::checkEnvName);
        homeFiles = Map.copyOf(homeFiles);
        homeFiles.keySet().forEach(relative -> checkRelative("homeFiles", relative));
        homeReadOnly = Map.copyOf(homeReadOnly);
        homeReadOnly.forEach((relative, source) -> {
            checkRelative("homeReadOnly", relative);
            if (!source.isAbsolute() || !Files.exists(source)) {
                throw new IllegalArgumentException("homeReadOnly: " + relative + " -> " + source
                        + " must name an existing absolute host path");
            }
        });
    }

    /** A sandbox running {@code command} in {@code workDir} with a private home at {@code home}. */
    public static SandboxSpec of(List<String> command, Path workDir, String home) {
        return new SandboxSpec(command, workDir, home, Map.of(), Map.of(), Map.of());
    }

    public SandboxSpec withEnv(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(env);
        more.put(name, value);
        return new SandboxSpec(command, workDir, home, more, homeFiles, homeReadOnly, etcHosts);
    }

    public SandboxSpec withHomeFile(String relative, byte[] content) {
        Map<String, byte[]> more = new LinkedHashMap<>(homeFiles);
        more.put(relative, content.clone());
        return new SandboxSpec(command, workDir, home, env, more, homeReadOnly, etcHosts);
    }

    public SandboxSpec withHomeReadOnly(String relative, Path hostPath) {
        Map<String, Path> more = new LinkedHashMap<>(homeReadOnly);
        more.put(relative, hostPath);
        return new SandboxSpec(command, workDir, home, env, homeFiles, more, etcHosts);
    }

    /** The same sandbox with {@code content} as its read-only {@code /etc/hosts}. */
    public SandboxSpec withEtcHosts(String content) {
        return new SandboxSpec(command, workDir, home, env, homeFiles, homeReadOnly, content);
    }

    /** The complete environment of the agent command. */
    Map<String, String> agentEnvironment() {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("PATH", DEFAULT_PATH);
        all.put("HOME", home);
        all.putAll(env);
        return all;
    }

    private static void checkEnvName(String name) {
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("env: '" + name + "' is not a valid variable name");
        }
    }

    private static void checkRelative(String field, String relative) {
        Path path = Path.of(relative);
        if (relative.isEmpty() || path.isAbsolute() || !path.normalize().equals(path)
                || path.startsWith("..") || relative.contains("\0")) {
            throw new IllegalArgumentException(field + ": '" + relative
                    + "' must be a plain relative path inside the home (no '..', not absolute)");
        }
    }
}
