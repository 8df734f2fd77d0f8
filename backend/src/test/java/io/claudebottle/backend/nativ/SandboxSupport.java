package io.claudebottle.backend.nativ;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Shared helpers of the native sandbox tests: the skip rule and a run-to-completion helper. */
final class SandboxSupport {

    static final boolean REQUIRE_ALL = Boolean.getBoolean("bottle.requireAll");
    static final boolean ROOT = Libc.geteuid() == 0;

    private SandboxSupport() {
    }

    /** Skips (or, with bottle.requireAll, fails) when this machine cannot run {@code tool} sandboxes. */
    static void assumeSandbox(SandboxTool tool) {
        assumeTrue(tool.available() || REQUIRE_ALL, tool + " is not installed (apt-get install "
                + (tool == SandboxTool.BWRAP ? "bubblewrap" : "util-linux iproute2") + ")");
        var why = UserNamespaces.whyDisabled(ROOT);
        assumeTrue(why.isEmpty() || REQUIRE_ALL, why.orElse(""));
    }

    record Result(int exit, String stdout, String stderr) {
    }

    /** Launches, lets the command run, collects its output and tears the sandbox down. */
    static Result run(SandboxSpec spec, SandboxTool tool) {
        try (Sandbox sandbox = NamespaceSandbox.launch(spec, tool)) {
            sandbox.startCommand();
            return collect(sandbox);
        }
    }

    static Result collect(Sandbox sandbox) {
        CompletableFuture<String> out = drain(sandbox.process().getInputStream());
        CompletableFuture<String> err = drain(sandbox.process().getErrorStream());
        try {
            int exit = sandbox.waitFor(Duration.ofSeconds(30));
            return new Result(exit, out.join(), err.join());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static CompletableFuture<String> drain(java.io.InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static SandboxSpec shell(Path work, String script) {
        return SandboxSpec.of(List.of("/bin/bash", "-c", script), work, "/home/agent");
    }

    /** A work directory the sandbox's user can write (the tests may run as any user). */
    static Path workDir(Path tempDir) {
        try {
            Path work = Files.createDirectories(tempDir.resolve("work"));
            work.toFile().setWritable(true, false);
            return work;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
