package io.claudebottle.backend.docker;

import io.claudebottle.backend.BackendException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds the Claude Code native binary that {@code npm install -g @anthropic-ai/claude-code} put on
 * this host (the npm package's {@code bin/claude.exe} is the native ELF after its postinstall; the
 * platform package holds the same file). {@code BOTTLE_CLAUDE_BINARY} overrides the search.
 */
final class ClaudeBinary {

    private static final String PACKAGE = "@anthropic-ai/claude-code";

    private ClaudeBinary() {
    }

    static Path locate(boolean mayInstall, io.claudebottle.backend.Backend.Progress progress) {
        String override = System.getenv("BOTTLE_CLAUDE_BINARY");
        if (override != null && !override.isBlank()) {
            Path p = Path.of(override);
            if (!isElf(p)) {
                throw new BackendException("BOTTLE_CLAUDE_BINARY=" + override + " is not a native (ELF) executable");
            }
            return p;
        }
        Optional<Path> found = search();
        if (found.isPresent()) {
            return found.get();
        }
        if (!mayInstall) {
            throw new BackendException("the Claude Code binary is not installed on this host; run `npm install -g "
                    + PACKAGE + "` (or set BOTTLE_CLAUDE_BINARY to the native binary)");
        }
        progress.step("installing Claude Code on the host: npm install -g " + PACKAGE);
        run(List.of("npm", "install", "-g", PACKAGE), 600);
        return search().orElseThrow(() -> new BackendException("`npm install -g " + PACKAGE
                + "` finished but no native claude binary was found under the npm global root"));
    }

    private static Optional<Path> search() {
        List<Path> roots = new ArrayList<>(List.of(Path.of("/usr/lib/node_modules"), Path.of("/usr/local/lib/node_modules")));
        if (roots.stream().noneMatch(r -> Files.isDirectory(r.resolve(PACKAGE)))) {
            String npmRoot = run(List.of("npm", "root", "-g"), 30).strip();
            if (!npmRoot.isEmpty()) {
                roots.addFirst(Path.of(npmRoot));
            }
        }
        for (Path root : roots) {
            Path pkg = root.resolve(PACKAGE);
            for (Path candidate : List.of(pkg.resolve("bin/claude.exe"),
                    pkg.resolve("node_modules/@anthropic-ai/claude-code-linux-x64/claude"),
                    root.resolve("@anthropic-ai/claude-code-linux-x64/claude"))) {
                if (isElf(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    static boolean isElf(Path p) {
        if (!Files.isRegularFile(p)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(p)) {
            return Arrays.equals(in.readNBytes(4), new byte[] {0x7f, 'E', 'L', 'F'});
        } catch (IOException e) {
            return false;
        }
    }

    private static String run(List<String> command, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BackendException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
            if (p.exitValue() != 0) {
                throw new BackendException(String.join(" ", command) + " failed (exit " + p.exitValue() + ")");
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while running " + String.join(" ", command), e);
        }
    }
}
