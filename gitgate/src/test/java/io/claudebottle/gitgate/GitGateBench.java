package io.claudebottle.gitgate;

import io.claudebottle.dlp.SecretScanner;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark, not a test (surefire's default includes skip it; {@code bench/gitgate.sh} runs it):
 * the real git CLI pushes the same history to the same loopback SSH upstream server directly
 * (OpenSSH client) and through the git-gate, and prints the times and ratios.
 */
class GitGateBench {
    private static final int COMMITS = 1_000;
    private static final int BYTES_PER_COMMIT = 50 * 1024; // 1,000 × 50 KiB ≈ 50 MB of history
    private static final int SMALL_PUSHES = 7;

    @TempDir
    Path tmp;

    @Test
    void bench() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("bottle.bench"), "benchmark: run bench/gitgate.sh");
        Path root = Files.createDirectories(tmp.resolve("upstream"));
        KeyPair clientKey = UpstreamSshServer.newKeyPair();
        Path identity = UpstreamSshServer.writeIdentity(clientKey, tmp.resolve("id_bench"));
        GitCli plain = new GitCli(tmp.resolve("home"), Map.of());
        for (String name : List.of("direct.git", "gated.git", "direct2.git", "gated2.git")) {
            Path repo = Files.createDirectories(root.resolve(name));
            plain.run(repo, "init", "-q", "--bare", "-b", "main").ok();
        }
        Path work = tmp.resolve("work");
        plain.run(tmp, "init", "-q", "-b", "main", work.toString()).ok();
        Files.writeString(work.resolve("README.md"), "bench\n");
        plain.run(work, "add", "README.md").ok();
        plain.run(work, "commit", "-q", "-m", "base").ok();
        for (String name : List.of("direct.git", "gated.git", "direct2.git", "gated2.git")) {
            plain.run(work, "push", "-q", root.resolve(name).toString(), "main").ok();
        }

        try (UpstreamSshServer server = UpstreamSshServer.start(root, clientKey)) {
            Path knownHosts = tmp.resolve("known_hosts");
            Files.writeString(knownHosts, "[127.0.0.1]:" + server.port() + " " + server.hostKeyLine() + "\n");
            GitCli git = new GitCli(tmp.resolve("home"), Map.of("GIT_SSH_COMMAND",
                    "ssh -F /dev/null -i " + identity + " -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes"
                            + " -o UserKnownHostsFile=" + knownHosts));
            GitGateRepo gated = new GitGateRepo("gated", "ssh://git@127.0.0.1:" + server.port() + "/gated.git", identity,
                    server.hostKeyLine(), Map.of(), false);
            GitGateRepo gated2 = new GitGateRepo("gated2", "ssh://git@127.0.0.1:" + server.port() + "/gated2.git", identity,
                    server.hostKeyLine(), Map.of(), false);
            try (GitGate gate = GitGate.start(new GitGateSettings("127.0.0.1", 0, tmp.resolve("state"), List.of(gated, gated2)),
                    SecretScanner.defaults(), event -> {
                        if (event.action().equals("push")) {
                            System.out.println("  gate: push " + event.outcome() + ", scan " + event.fields().get("scanMillis")
                                    + " ms, forward upstream " + event.fields().get("forwardMillis") + " ms");
                        }
                    },
                    MirrorProgress.NONE)) {
                git.run(work, "remote", "add", "direct", "ssh://git@127.0.0.1:" + server.port() + "/direct.git").ok();
                git.run(work, "remote", "add", "gate", "git://127.0.0.1:" + gate.port() + "/gated").ok();
                git.run(work, "remote", "add", "direct2", "ssh://git@127.0.0.1:" + server.port() + "/direct2.git").ok();
                git.run(work, "remote", "add", "gate2", "git://127.0.0.1:" + gate.port() + "/gated2").ok();
                for (String remote : List.of("direct", "gate", "direct2", "gate2")) git.run(work, "fetch", "-q", remote).ok();

                long start = System.nanoTime();
                writeHistory(work);
                System.out.printf("history: %d commits, %.1f MB of blobs, generated in %d ms%n", COMMITS,
                        COMMITS * (double) BYTES_PER_COMMIT / 1e6, (System.nanoTime() - start) / 1_000_000);

                long direct = timePush(git, work, "direct");
                long gatedMs = timePush(git, work, "gate");
                System.out.printf("large push (%d commits, cold JVM): direct %d ms, through gate %d ms, ratio %.2f (target <= 1.5)%n",
                        COMMITS, direct, gatedMs, gatedMs / (double) direct);
                long gatedWarm = timePush(git, work, "gate2");
                long directWarm = timePush(git, work, "direct2");
                System.out.printf("large push (%d commits, warm JVM): direct %d ms, through gate %d ms, ratio %.2f (target <= 1.5)%n",
                        COMMITS, directWarm, gatedWarm, gatedWarm / (double) directWarm);

                List<Long> directSmall = new ArrayList<>();
                List<Long> gateSmall = new ArrayList<>();
                for (int i = 0; i < SMALL_PUSHES; i++) {
                    Files.writeString(work.resolve("small.txt"), "change " + i + "\n");
                    git.run(work, "add", "small.txt").ok();
                    git.run(work, "commit", "-q", "-m", "small " + i).ok();
                    directSmall.add(timePush(git, work, "direct"));
                    gateSmall.add(timePush(git, work, "gate"));
                }
                long d = median(directSmall);
                long g = median(gateSmall);
                System.out.printf("1-commit push to a 50 MB repo (median of %d): direct %d ms, through gate %d ms,"
                        + " overhead %+d ms (target <= 300)%n  direct %s%n  gate   %s%n", SMALL_PUSHES, d, g, g - d, directSmall, gateSmall);
            }
        }
    }

    private static long timePush(GitCli git, Path work, String remote) throws Exception {
        long start = System.nanoTime();
        git.run(work, "push", "-q", remote, "main").ok();
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /** 1,000 commits on top of HEAD, each adding a file of word-like text, via git fast-import. */
    private static void writeHistory(Path work) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("git", "fast-import", "--quiet").directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Random random = new Random(42);
        String[] words = new String[2048];
        for (int i = 0; i < words.length; i++) {
            StringBuilder w = new StringBuilder();
            for (int j = 3 + random.nextInt(7); j > 0; j--) w.append((char) ('a' + random.nextInt(26)));
            words[i] = w.toString();
        }
        try (OutputStream out = new BufferedOutputStream(p.getOutputStream(), 1 << 20)) {
            for (int c = 1; c <= COMMITS; c++) {
                StringBuilder text = new StringBuilder(BYTES_PER_COMMIT + 100);
                while (text.length() < BYTES_PER_COMMIT) {
                    int lineStart = text.length();
                    while (text.length() - lineStart < 72) text.append(words[random.nextInt(words.length)]).append(' ');
                    text.append('\n');
                }
                byte[] blob = text.toString().getBytes(StandardCharsets.US_ASCII);
                String message = "commit " + c + "\n";
                String header = "commit refs/heads/main\n"
                        + "committer Bench <bench@bottle.test> " + (1_700_000_000L + c) + " +0000\n"
                        + "data " + message.length() + "\n" + message
                        + (c == 1 ? "from refs/heads/main^0\n" : "")
                        + "M 100644 inline src/file" + (c % 200) + ".txt\n"
                        + "data " + blob.length + "\n";
                out.write(header.getBytes(StandardCharsets.US_ASCII));
                out.write(blob);
                out.write('\n');
            }
        }
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IOException("git fast-import failed");
        Process reset = new ProcessBuilder("git", "reset", "-q", "--hard").directory(work.toFile()).inheritIO().start();
        reset.waitFor();
    }
}
