package io.claudebottle.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ScanCommandTest {
    static final String AWS = "AKIAQYLPMN5HHHFPZAM2";
    static final String GH = "ghp_R8aVbQ3mT6xW9zK2pL5nJ7cF4hD1sG0yE8uI";

    record Run(int exit, String out, String err) {}

    static Run bottle(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new BottleCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static boolean gitAvailable() {
        try {
            return new ProcessBuilder("git", "--version").start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    static void git(Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", dir.toString(), "-c", "user.name=t", "-c", "user.email=t@t"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", args) + ": " + output).isZero();
    }

    @Test
    void cleanFileExitsZeroAndSecretExitsOneWithRedactedOutput(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("clean.txt"), "nothing here\n");
        Files.writeString(dir.resolve("dirty.env"), "# config\nAWS_ACCESS_KEY_ID=" + AWS + "\n");
        assertThat(bottle("scan", dir.resolve("clean.txt").toString()).exit()).isZero();
        Run r = bottle("scan", dir.resolve("dirty.env").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("dirty.env:2 aws-access-key-id").doesNotContain(AWS);
    }

    @Test
    void jsonLinesCarryPathLineRuleAndExcerpt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.txt"), "x\ny " + GH + "\n");
        Run r = bottle("scan", "--json", dir.resolve("a.txt").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out().lines().toList()).hasSize(1);
        assertThat(r.out()).contains("\"line\":2").contains("\"rule\":\"github-pat\"").contains("a.txt").doesNotContain(GH);
    }

    @Test
    void usageErrorsExitTwo(@TempDir Path dir) throws Exception {
        assertThat(bottle("scan").exit()).isEqualTo(2);
        assertThat(bottle("scan", dir.resolve("missing").toString()).exit()).isEqualTo(2);
        assertThat(bottle("scan", "--bogus").exit()).isEqualTo(2);
        Path bad = dir.resolve("rules.yaml");
        Files.writeString(bad, "rules:\n  - id: x\n    regex: '(?<=a)b'\n");
        Run r = bottle("scan", "--rules", bad.toString(), dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("rules.yaml").contains("rule x");
    }

    @Test
    void customRulesFileAddsRules(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "rules:\n  - id: acme-key\n    regex: 'acme_[a-z0-9]{32}'\n    keywords: [acme_]\n");
        Path f = dir.resolve("f.txt");
        Files.writeString(f, "k acme_0123456789abcdefghijklmnopqrstuv\n");
        assertThat(bottle("scan", f.toString()).exit()).isZero();
        assertThat(bottle("scan", "--rules", rules.toString(), f.toString()).out()).contains("acme-key");
    }

    @Test
    void directoriesHonourGitignore(@TempDir Path dir) throws Exception {
        assumeTrue(gitAvailable() || Boolean.getBoolean("bottle.requireAll"), "git is not installed");
        git(dir, "init", "-q");
        Files.writeString(dir.resolve(".gitignore"), "build/\n");
        Files.createDirectories(dir.resolve("build"));
        Files.writeString(dir.resolve("build/out.txt"), AWS + "\n");
        Files.writeString(dir.resolve("src.txt"), "fine\n");
        assertThat(bottle("scan", dir.toString()).exit()).isZero();
        Files.writeString(dir.resolve("new.txt"), "untracked " + GH + "\n");
        Run r = bottle("scan", dir.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("new.txt:1 github-pat").doesNotContain("out.txt");
    }

    @Test
    void gitRangeScansBlobsOfTheRangeOnly(@TempDir Path dir) throws Exception {
        assumeTrue(gitAvailable() || Boolean.getBoolean("bottle.requireAll"), "git is not installed");
        git(dir, "init", "-q");
        Files.writeString(dir.resolve("old.txt"), AWS + "\n");
        git(dir, "add", "-A");
        git(dir, "commit", "-qm", "old secret");
        Files.writeString(dir.resolve("new.txt"), "clean\n");
        git(dir, "add", "-A");
        git(dir, "commit", "-qm", "clean change");
        Run clean = bottleIn(dir, "scan", "--git", "HEAD~1..HEAD");
        assertThat(clean.exit()).as(clean.err()).isZero();
        Files.writeString(dir.resolve("new.txt"), "now " + GH + "\n");
        git(dir, "commit", "-qam", "leak");
        Run dirty = bottleIn(dir, "scan", "--git", "HEAD~2..HEAD");
        assertThat(dirty.exit()).isEqualTo(1);
        assertThat(dirty.out()).contains(":new.txt:1 github-pat").doesNotContain("old.txt");
        assertThat(bottleIn(dir, "scan", "--git", "nope..HEAD").exit()).isEqualTo(2);
    }

    /** Runs the real launcher-less CLI in another working directory (git ranges are relative to it). */
    static Run bottleIn(Path dir, String... args) throws Exception {
        String cp = System.getProperty("java.class.path");
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", cp, BottleCli.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).start();
        String err = new String(p.getErrorStream().readAllBytes());
        String out = new String(p.getInputStream().readAllBytes());
        return new Run(p.waitFor(), out, err);
    }
}
