package io.claudebottle.cli;

import io.claudebottle.manifest.ManifestLocations;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bottle init}: creates the bottle home with a commented example bottle and agent; never overwrites. */
@Command(name = "init",
        description = "Create ~/.claude-bottle/{bottles,agents} (or under CLAUDE_BOTTLE_HOME) with a "
                + "commented example bottle and agent. Existing files are never overwritten.")
final class InitCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HelpOption help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ManifestLocations locations = ManifestSession.locations();
        try {
            Files.createDirectories(locations.bottlesDir());
            Files.createDirectories(locations.agentsDir());
            create(locations.bottlesDir().resolve("example.md"), "example-bottle.md", out);
            create(locations.agentsDir().resolve("example.md"), "example-agent.md", out);
        } catch (IOException e) {
            spec.commandLine().getErr().println("bottle: cannot create " + locations.home() + " (" + e + "); check "
                    + "that you may write there, or set CLAUDE_BOTTLE_HOME");
            return 1;
        }
        out.println("Next: edit them, then `bottle validate` and `bottle show example`.");
        return 0;
    }

    private void create(Path file, String resource, PrintWriter out) throws IOException {
        try (InputStream in = InitCommand.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new UncheckedIOException(new IOException("missing resource " + resource));
            }
            // CREATE_NEW makes "never overwrite" atomic, even against a file created meanwhile.
            Files.write(file, in.readAllBytes(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            out.println("created " + file);
        } catch (FileAlreadyExistsException e) {
            out.println("kept    " + file + " (already exists)");
        }
    }
}
