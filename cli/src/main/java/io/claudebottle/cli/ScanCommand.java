package io.claudebottle.cli;

import io.claudebottle.dlp.Finding;
import io.claudebottle.dlp.RuleFile;
import io.claudebottle.dlp.SecretScanner;
import io.claudebottle.dlp.StreamScan;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** {@code bottle scan}: the DLP engine as a secret scanner for files, directories, stdin and git ranges. */
@Command(name = "scan", mixinStandardHelpOptions = true,
        description = {
                "Scans files, directories (honouring .gitignore), stdin (-) or the blobs of a git range for "
                        + "secrets, with the same engine the egress proxy and the git-gate use.",
                "Exit status: 0 clean, 1 secrets found, 2 usage error."})
final class ScanCommand implements Callable<Integer> {
    private static final int STREAM_ABOVE_BYTES = 16 << 20;
    private static final int CHUNK = 1 << 20;
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    @Option(names = "--json", description = "One JSON object per finding (path, line, offset, rule, excerpt, via).")
    boolean json;

    @Option(names = "--rules", paramLabel = "FILE", description = "Extra rules (YAML, a top-level 'rules:' list) added to the built-in ones.")
    Path rulesFile;

    @Option(names = "--git", paramLabel = "RANGE", description = "Scan every blob added or changed by the commits in RANGE (e.g. main..HEAD).")
    String gitRange;

    @Parameters(paramLabel = "PATH", arity = "0..*", description = "Files or directories; - for stdin.")
    List<String> paths = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private int findings;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if ((gitRange == null) == paths.isEmpty()) {
            err.println("bottle scan: give PATH... (or - for stdin), or --git RANGE, but not both");
            err.flush();
            return 2;
        }
        SecretScanner scanner;
        try {
            scanner = rulesFile == null ? SecretScanner.defaults() : SecretScanner.withRules(RuleFile.load(rulesFile), List.of());
        } catch (IOException | IllegalArgumentException e) {
            err.println("bottle scan: --rules " + rulesFile + ": " + e.getMessage());
            err.flush();
            return 2;
        }
        try {
            if (gitRange != null) scanGit(scanner, gitRange);
            else for (String p : paths) scanPath(scanner, p);
        } catch (UsageException e) {
            err.println("bottle scan: " + e.getMessage());
            err.flush();
            return 2;
        } catch (IOException e) {
            err.println("bottle scan: " + e.getMessage());
            err.flush();
            return 2;
        }
        spec.commandLine().getOut().flush();
        return findings > 0 ? 1 : 0;
    }

    private static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private void scanPath(SecretScanner scanner, String arg) throws IOException, UsageException {
        if (arg.equals("-")) {
            scanStream(scanner, System.in, "-");
            return;
        }
        Path path = Path.of(arg);
        if (Files.isDirectory(path)) {
            for (Path file : filesOf(path)) scanFile(scanner, file);
        } else if (Files.isRegularFile(path)) {
            scanFile(scanner, path);
        } else {
            throw new UsageException(arg + ": no such file or directory");
        }
    }

    private void scanFile(SecretScanner scanner, Path file) throws IOException {
        if (Files.size(file) > STREAM_ABOVE_BYTES) {
            try (InputStream in = Files.newInputStream(file)) {
                scanStream(scanner, in, file.toString());
            }
            return;
        }
        byte[] bytes = Files.readAllBytes(file);
        if (looksBinary(bytes)) return;
        report(scanner.scan(bytes), file.toString());
    }

    private void scanStream(SecretScanner scanner, InputStream in, String name) throws IOException {
        StreamScan stream = scanner.stream();
        byte[] buf = new byte[CHUNK];
        for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) report(stream.update(buf, 0, n), name);
        report(stream.finish(), name);
    }

    private static boolean looksBinary(byte[] bytes) {
        for (int i = 0, n = Math.min(bytes.length, 8000); i < n; i++) if (bytes[i] == 0) return true;
        return false;
    }

    /** Files under {@code dir}: git's view (tracked + untracked, minus ignored) inside a work tree, else a walk. */
    private static List<Path> filesOf(Path dir) throws IOException {
        Git.Result inside = Git.run(dir, null, "rev-parse", "--is-inside-work-tree");
        if (inside.ok() && inside.text().trim().equals("true")) {
            Git.Result ls = Git.run(dir, null, "ls-files", "-z", "--cached", "--others", "--exclude-standard");
            if (!ls.ok()) throw new IOException("git ls-files in " + dir + " failed: " + ls.error());
            List<Path> out = new ArrayList<>();
            for (String name : ls.text().split("\0")) {
                if (name.isEmpty()) continue;
                Path p = dir.resolve(name);
                if (Files.isRegularFile(p)) out.add(p); // deleted-but-tracked files are skipped
            }
            return out;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).filter(p -> !p.toString().contains("/.git/")).sorted().toList();
        }
    }

    private void scanGit(SecretScanner scanner, String range) throws IOException, UsageException {
        Path cwd = Path.of("").toAbsolutePath();
        Git.Result commits = Git.run(cwd, null, "rev-list", "--no-merges", range, "--");
        if (!commits.ok()) throw new UsageException("--git " + range + ": not a git range here (" + commits.error().trim() + ")");
        Map<String, String> blobs = new LinkedHashMap<>(); // blob id -> commit:path of its first appearance
        for (String commit : commits.text().split("\n")) {
            if (commit.isBlank()) continue;
            Git.Result diff = Git.run(cwd, null, "diff-tree", "-r", "--root", "--no-commit-id", "--no-renames", "-z",
                    "--diff-filter=AMT", commit);
            if (!diff.ok()) throw new IOException("git diff-tree " + commit + " failed: " + diff.error());
            String[] fields = diff.text().split("\0");
            for (int i = 0; i + 1 < fields.length; i += 2) {
                String[] meta = fields[i].split(" ");
                if (meta.length < 4 || meta[1].equals("160000")) continue; // submodule
                blobs.putIfAbsent(meta[3], commit.substring(0, 12) + ":" + fields[i + 1]);
            }
        }
        for (Map.Entry<String, String> blob : blobs.entrySet()) {
            Git.Result content = Git.run(cwd, null, "cat-file", "blob", blob.getKey());
            if (!content.ok()) throw new IOException("git cat-file " + blob.getKey() + " failed: " + content.error());
            byte[] bytes = content.bytes();
            if (!looksBinary(bytes)) report(scanner.scan(bytes), blob.getValue());
        }
    }

    private void report(List<Finding> found, String path) {
        PrintWriter out = spec.commandLine().getOut();
        for (Finding f : found) {
            findings++;
            if (json) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("path", path);
                line.put("line", f.line());
                line.put("offset", f.offset());
                line.put("rule", f.ruleId());
                line.put("excerpt", f.excerpt());
                line.put("via", f.via());
                out.println(JSON.writeValueAsString(line));
            } else {
                out.println(path + ":" + f.line() + " " + f.ruleId() + " " + f.excerpt() + (f.via().isEmpty() ? "" : " (via " + f.via() + ")"));
            }
        }
    }

    /** The real {@code git} binary, run without a shell. */
    static final class Git {
        record Result(int exit, byte[] bytes, String error) {
            boolean ok() {
                return exit == 0;
            }

            String text() {
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }

        static Result run(Path dir, byte[] stdin, String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
            cmd.addAll(List.of(args));
            Process p;
            try {
                p = new ProcessBuilder(cmd).start();
            } catch (IOException e) {
                throw new IOException("could not run git (is it installed and on PATH?): " + e.getMessage(), e);
            }
            p.getOutputStream().close();
            ByteArrayOutputStream errBuf = new ByteArrayOutputStream();
            Thread errReader = Thread.ofVirtual().start(() -> {
                try {
                    p.getErrorStream().transferTo(errBuf);
                } catch (IOException ignored) {
                    // the exit status tells what matters
                }
            });
            byte[] out = p.getInputStream().readAllBytes();
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("git " + String.join(" ", args) + " did not finish within 60 s");
                }
                errReader.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running git", e);
            }
            return new Result(p.exitValue(), out, errBuf.toString(StandardCharsets.UTF_8));
        }
    }
}
