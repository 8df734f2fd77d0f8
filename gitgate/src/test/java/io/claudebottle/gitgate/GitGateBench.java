package io.claudebottle.gitgate;

import io.claudebottle.dlp.SecretScanner;
import io.claudebottle.dlp.Finding;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PackParser;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Benchmark, not a test (surefire's default includes skip it; {@code bench/gitgate.sh} runs it):
 * the real git CLI pushes the same history to the same loopback SSH upstream server directly
 * (OpenSSH client) and through the git-gate, and prints the times and ratios.
 */
class GitGateBench {
    private static final int COMMITS = 1_000;
    private static final int BYTES_PER_COMMIT = 50 * 1024; // 1,000 × 50 KiB ≈ 50 MB of history
    private static final int SMALL_PUSHES = 7;
    /** Large pushes, each pair to two fresh upstream repositories; the first pair runs on a cold JVM. */
    private static final int LARGE_PAIRS = 4;

    @TempDir
    Path tmp;

    @Test
    void bench() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("bottle.bench"), "benchmark: run bench/gitgate.sh");
        Path root = Files.createDirectories(tmp.resolve("upstream"));
        KeyPair clientKey = UpstreamSshServer.newKeyPair();
        Path identity = UpstreamSshServer.writeIdentity(clientKey, tmp.resolve("id_bench"));
        GitCli plain = new GitCli(tmp.resolve("home"), Map.of());
        List<String> upstreams = new ArrayList<>();
        for (int pair = 0; pair < LARGE_PAIRS; pair++) upstreams.addAll(List.of("direct" + pair + ".git", "gated" + pair + ".git"));
        for (String name : upstreams) {
            Path repo = Files.createDirectories(root.resolve(name));
            plain.run(repo, "init", "-q", "--bare", "-b", "main").ok();
        }
        Path work = tmp.resolve("work");
        plain.run(tmp, "init", "-q", "-b", "main", work.toString()).ok();
        Files.writeString(work.resolve("README.md"), "bench\n");
        plain.run(work, "add", "README.md").ok();
        plain.run(work, "commit", "-q", "-m", "base").ok();
        for (String name : upstreams) {
            plain.run(work, "push", "-q", root.resolve(name).toString(), "main").ok();
        }

        try (UpstreamSshServer server = UpstreamSshServer.startWithGitBinary(root, clientKey)) {
            Path knownHosts = tmp.resolve("known_hosts");
            Files.writeString(knownHosts, "[127.0.0.1]:" + server.port() + " " + server.hostKeyLine() + "\n");
            GitCli git = new GitCli(tmp.resolve("home"), Map.of("GIT_SSH_COMMAND",
                    // the cipher the gate prefers too, so both paths cost the upstream server the same
                    "ssh -F /dev/null -c aes128-gcm@openssh.com -i " + identity
                            + " -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes"
                            + " -o UserKnownHostsFile=" + knownHosts));
            List<GitGateRepo> gatedRepos = new ArrayList<>();
            for (int pair = 0; pair < LARGE_PAIRS; pair++) {
                gatedRepos.add(new GitGateRepo("gated" + pair, "ssh://git@127.0.0.1:" + server.port() + "/gated" + pair + ".git", identity,
                        server.hostKeyLine(), Map.of(), false));
            }
            AtomicReference<Map<String, Object>> lastPush = new AtomicReference<>(Map.of());
            try (GitGate gate = GitGate.start(new GitGateSettings("127.0.0.1", 0, gateState(), gatedRepos),
                    SecretScanner.defaults(), event -> {
                        if (event.action().equals("push")) {
                            lastPush.set(event.fields());
                            System.out.println("  gate: push " + event.outcome() + ", receive " + event.fields().get("receiveMillis")
                                    + " ms, scan " + event.fields().get("scanMillis") + " ms (walk " + event.fields().get("walkMillis")
                                    + " ms, then waited " + event.fields().get("waitMillis") + " ms for the on-arrival scans; "
                                    + event.fields().get("blobs") + " blobs of which "
                                    + event.fields().get("blobsRead") + " read after receiving " + event.fields().get("blobMillis")
                                    + " ms), forward upstream "
                                    + event.fields().get("forwardMillis") + " ms");
                        }
                    },
                    MirrorProgress.NONE)) {
                for (int pair = 0; pair < LARGE_PAIRS; pair++) {
                    git.run(work, "remote", "add", "direct" + pair, "ssh://git@127.0.0.1:" + server.port() + "/direct" + pair + ".git").ok();
                    git.run(work, "remote", "add", "gate" + pair, "git://127.0.0.1:" + gate.port() + "/gated" + pair).ok();
                    git.run(work, "fetch", "-q", "direct" + pair).ok();
                    git.run(work, "fetch", "-q", "gate" + pair).ok();
                }

                long start = System.nanoTime();
                String base = git.run(work, "rev-parse", "HEAD").ok().trimmed();
                writeHistory(work);
                System.out.printf("history: %d commits, %.1f MB of blobs, generated in %d ms%n", COMMITS,
                        COMMITS * (double) BYTES_PER_COMMIT / 1e6, (System.nanoTime() - start) / 1_000_000);
                dlpShare(work, base);
                scanOnArrivalVersusReadAfter(plain, work, base);

                List<Double> warmRatios = new ArrayList<>();
                for (int pair = 0; pair < LARGE_PAIRS; pair++) {
                    // alternate which goes first, so neither always runs right after the other's clean-up
                    boolean directFirst = pair % 2 == 0;
                    Push first = push(git, work, (directFirst ? "direct" : "gate") + pair);
                    Push second = push(git, work, (directFirst ? "gate" : "direct") + pair);
                    Push direct = directFirst ? first : second;
                    Push gated = directFirst ? second : first;
                    Map<String, Object> phases = lastPush.get();
                    report("large push " + (pair + 1) + " (" + COMMITS + " commits, " + (pair == 0 ? "cold" : "warm") + " JVM, load "
                            + loadAverage() + ")", direct, gated);
                    // The forward cannot start before the scan ends, and the upstream's index-pack paces it as it paces a
                    // direct push: the gate's floor is its receive + scan on top of about one direct push.
                    long receiveAndScan = ((Number) phases.get("receiveMillis")).longValue() + ((Number) phases.get("scanMillis")).longValue();
                    long forward = ((Number) phases.get("forwardMillis")).longValue();
                    System.out.printf("  phases / direct: receive + scan %.2f, forward %.2f%n",
                            receiveAndScan / (double) direct.millis(), forward / (double) direct.millis());
                    if (pair > 0) warmRatios.add(gated.millis() / (double) direct.millis());
                }
                System.out.printf("large push, warm JVM: gate/direct ratios %s, median %.2f (target <= 1.5)%n",
                        warmRatios.stream().map(r -> String.format("%.2f", r)).toList(),
                        warmRatios.stream().sorted().toList().get(warmRatios.size() / 2));
                git.run(work, "remote", "add", "direct", "ssh://git@127.0.0.1:" + server.port() + "/direct0.git").ok();
                git.run(work, "remote", "add", "gate", "git://127.0.0.1:" + gate.port() + "/gated0").ok();

                List<Long> directSmall = new ArrayList<>();
                List<Long> gateSmall = new ArrayList<>();
                for (int i = 0; i < SMALL_PUSHES; i++) {
                    Files.writeString(work.resolve("small.txt"), "change " + i + "\n");
                    git.run(work, "add", "small.txt").ok();
                    git.run(work, "commit", "-q", "-m", "small " + i).ok();
                    directSmall.add(push(git, work, "direct").millis());
                    gateSmall.add(push(git, work, "gate").millis());
                }
                long d = median(directSmall);
                long g = median(gateSmall);
                System.out.printf("1-commit push to a 50 MB repo (median of %d): direct %d ms, through gate %d ms,"
                        + " overhead %+d ms (target <= 300)%n  direct %s%n  gate   %s%n", SMALL_PUSHES, d, g, g - d, directSmall, gateSmall);
            }
        }
    }

    /**
     * The DLP engine's share on its own: the pushed blobs, already in memory, through the same
     * scanner on as many threads as the gate uses.
     */
    private static void dlpShare(Path work, String base) throws Exception {
        List<byte[]> blobs = new ArrayList<>();
        try (Repository repo = new FileRepositoryBuilder().setGitDir(work.resolve(".git").toFile()).build();
             ObjectReader reader = repo.newObjectReader(); RevWalk walk = new RevWalk(reader)) {
            walk.markStart(walk.parseCommit(repo.resolve("HEAD")));
            walk.markUninteresting(walk.parseCommit(ObjectId.fromString(base)));
            for (RevCommit commit : walk) {
                try (TreeWalk tree = new TreeWalk(reader)) {
                    tree.setRecursive(true);
                    tree.addTree(commit.getTree());
                    tree.addTree(walk.parseCommit(commit.getParent(0)).getTree());
                    tree.setFilter(TreeFilter.ANY_DIFF);
                    while (tree.next()) blobs.add(reader.open(tree.getObjectId(0)).getBytes());
                }
            }
        }
        SecretScanner scanner = SecretScanner.defaults();
        long bytes = blobs.stream().mapToLong(b -> b.length).sum();
        for (int round = 0; round < 2; round++) { // the first round warms the engine up
            long cpuBefore = cpuMillis();
            long start = System.nanoTime();
            try (ExecutorService pool = Executors.newFixedThreadPool(PushScanner.PARALLELISM)) {
                for (byte[] blob : blobs) pool.submit(() -> scanner.scan(blob));
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (round == 1) {
                System.out.printf("DLP engine alone over the %d pushed blobs (%.1f MB, in memory, %d threads): %d ms, %.0f MB/s,"
                                + " CPU %d ms%n", blobs.size(), bytes / 1e6, PushScanner.PARALLELISM, ms,
                        bytes / 1e3 / Math.max(1, ms), cpuMillis() - cpuBefore);
            }
        }
    }

    /**
     * The gate's receive + scan of the same pack in this JVM, alternating between scanning blobs as
     * the pack parser inflates them (what the gate does) and reading them back after the pack is
     * stored: the process CPU of each (medians of 3), which a loaded machine disturbs far less
     * than whole pushes.
     */
    /**
     * Where the gate keeps its mirrors and scratch repositories: on tmpfs, as in a bottle (the Docker
     * sidecar's {@code /var/lib/bottle}, the native backend's {@code $XDG_RUNTIME_DIR}), when this
     * machine has {@code /dev/shm}. On a disk, JGit's fsync of each received pack and index costs
     * a large push 70-160 ms that no bottle pays. The upstream's repositories stay on disk.
     */
    private Path gateState() throws IOException {
        Path shm = Path.of("/dev/shm");
        if (!Files.isDirectory(shm) || !Files.isWritable(shm)) return tmp.resolve("state");
        Path state = Files.createTempDirectory(shm, "gitgate-bench-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                org.eclipse.jgit.util.FileUtils.delete(state.toFile(),
                        org.eclipse.jgit.util.FileUtils.RECURSIVE | org.eclipse.jgit.util.FileUtils.SKIP_MISSING);
            } catch (IOException e) {
                System.err.println("bench: could not delete " + state + ": " + e.getMessage());
            }
        }));
        return state;
    }

    private void scanOnArrivalVersusReadAfter(GitCli git, Path work, String base) throws Exception {
        Path mirror = tmp.resolve("ab-mirror.git");
        git.run(tmp, "init", "-q", "--bare", "-b", "main", mirror.toString()).ok();
        git.run(work, "push", "-q", mirror.toString(), base + ":refs/heads/main").ok();
        Path pack = tmp.resolve("ab.pack");
        Path revs = Files.writeString(tmp.resolve("ab.revs"), "HEAD\n^" + base + "\n");
        Process packObjects = new ProcessBuilder("git", "pack-objects", "--revs", "--thin", "--stdout", "--delta-base-offset", "-q")
                .directory(work.toFile()).redirectInput(revs.toFile()).redirectOutput(pack.toFile()).start();
        if (packObjects.waitFor() != 0) throw new IOException("git pack-objects failed");
        ObjectId tip;
        try (Repository repo = new FileRepositoryBuilder().setGitDir(work.resolve(".git").toFile()).build()) {
            tip = repo.resolve("HEAD");
        }
        SecretScanner scanner = SecretScanner.defaults();
        Map<Boolean, List<long[]>> runs = Map.of(true, new ArrayList<>(), false, new ArrayList<>());
        for (int round = 0; round < 8; round++) {
            boolean onArrival = round % 2 == 1;
            Path dir = tmp.resolve("ab-scratch-" + round);
            try (Repository init = new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build()) {
                init.create(true);
            }
            Files.writeString(dir.resolve("objects/info/alternates"), mirror.resolve("objects").toAbsolutePath() + "\n");
            try (Repository scratch = new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build();
                 ReceivedBlobScan received = new ReceivedBlobScan(scanner)) {
                long cpu0 = processCpuNanos();
                long wall0 = System.nanoTime();
                try (ObjectInserter inserter = scratch.newObjectInserter(); InputStream in = Files.newInputStream(pack)) {
                    PackParser parser = inserter.newPackParser(new BufferedInputStream(in, 1 << 16));
                    parser.setAllowThin(true);
                    if (onArrival) parser.setObjectChecker(received);
                    parser.parse(NullProgressMonitor.INSTANCE);
                    inserter.flush();
                }
                Map<ObjectId, List<Finding>> scannedOnArrival = onArrival ? received.results() : Map.of();
                new PushScanner(scanner).scan(scratch, List.of(new ReceiveCommand(ObjectId.fromString(base), tip, "refs/heads/main")),
                        Set.of(ObjectId.fromString(base)), scannedOnArrival);
                if (round >= 2) runs.get(onArrival).add(new long[] {(System.nanoTime() - wall0) / 1_000_000, (processCpuNanos() - cpu0) / 1_000_000});
            }
        }
        long[] after = medians(runs.get(false));
        long[] arrival = medians(runs.get(true));
        System.out.printf("receive + scan of the pushed pack in the gate's JVM (median of 3): blobs read back after receiving"
                + " %d ms wall, %d ms CPU; scanned on arrival %d ms wall, %d ms CPU%n", after[0], after[1], arrival[0], arrival[1]);
    }

    private static long[] medians(List<long[]> runs) {
        return new long[] {median(runs.stream().map(r -> r[0]).toList()), median(runs.stream().map(r -> r[1]).toList())};
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * One push: its wall time, and the CPU time it cost this machine: this JVM (the gate and the
     * upstream's SSH server) plus every process it waited for (git push, ssh, pack-objects, the
     * upstream's git receive-pack). Other engineers' builds stretch wall time, not CPU time.
     */
    private record Push(long millis, long cpuMillis, long jitMillis) {
    }

    private static Push push(GitCli git, Path work, String remote) throws Exception {
        long cpuBefore = cpuMillis();
        long jitBefore = jitCompilerMillis();
        long start = System.nanoTime();
        git.run(work, "push", "-q", remote, "main").ok();
        long millis = (System.nanoTime() - start) / 1_000_000;
        Thread.sleep(200); // lets the upstream's git receive-pack be reaped and counted
        return new Push(millis, cpuMillis() - cpuBefore, jitCompilerMillis() - jitBefore);
    }

    private static void report(String what, Push direct, Push gated) {
        System.out.printf("%s: direct %d ms, through gate %d ms, ratio %.2f (target <= 1.5);"
                        + " CPU: direct %d ms, through gate %d ms, ratio %.2f (of which the JIT compiler: direct %d ms, gate %d ms)%n",
                what, direct.millis(), gated.millis(), gated.millis() / (double) direct.millis(), direct.cpuMillis(), gated.cpuMillis(),
                gated.cpuMillis() / (double) Math.max(1, direct.cpuMillis()), direct.jitMillis(), gated.jitMillis());
    }

    /**
     * CPU time of this JVM's JIT compiler threads: a JVM compiles the gate's code over its first
     * several large pushes, which a sidecar (a fresh JVM per bottle) pays on its first pushes.
     */
    private static long jitCompilerMillis() throws IOException {
        long ticks = 0;
        try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException threadEnded) {
                    continue;
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (!name.matches("C[12] CompilerThre.*")) continue;
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            }
        }
        return ticks * 10;
    }

    /** utime + stime + cutime + cstime of this process, from /proc/self/stat. */
    private static long cpuMillis() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = 0;
        for (int i = 11; i <= 14; i++) ticks += Long.parseLong(fields[i]); // fields 14-17 of proc(5)
        return ticks * 10; // USER_HZ is 100 on Linux
    }

    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
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
