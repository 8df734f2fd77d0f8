package io.claudebottle.gitgate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real {@code git} binary with a private HOME and no system or user configuration. */
final class GitCli {
    private final Path home;
    private final Map<String, String> extraEnv;

    GitCli(Path home, Map<String, String> extraEnv) throws IOException {
        this.home = Files.createDirectories(home);
        this.extraEnv = extraEnv;
    }

    static boolean available() {
        try {
            Process p = new ProcessBuilder("git", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    record Result(int exit, String output) {
        Result ok() {
            if (exit != 0) throw new AssertionError("git failed (" + exit + "):\n" + output);
            return this;
        }

        String trimmed() {
            return output.strip();
        }
    }

    Path home() {
        return home;
    }

    Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("git");
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("GIT_") || k.startsWith("SSH_"));
        env.put("HOME", home.toString());
        env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("GIT_AUTHOR_NAME", "Agent");
        env.put("GIT_AUTHOR_EMAIL", "agent@bottle.test");
        env.put("GIT_COMMITTER_NAME", "Agent");
        env.put("GIT_COMMITTER_EMAIL", "agent@bottle.test");
        env.put("LC_ALL", "C");
        env.putAll(extraEnv);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("git " + String.join(" ", args) + " timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
