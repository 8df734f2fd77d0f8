package io.claudebottle.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code bottle} command. Each subcommand is its own class in this package. */
@Command(name = "bottle",
        mixinStandardHelpOptions = true,
        versionProvider = BottleCli.Version.class,
        description = {
                // One string per paragraph: picocli wraps it to the terminal width itself.
                "Runs Claude Code agents in bottles: each scoped to exactly the secrets, skills, SSH "
                        + "identities, env vars and egress hosts its manifest grants.",
                "",
                "Manifests live in ~/.claude-bottle (override with CLAUDE_BOTTLE_HOME)."},
        subcommands = {
                CommandLine.HelpCommand.class,
                ListCommand.class,
                ShowCommand.class,
                ValidateCommand.class,
                InitCommand.class,
                StartCommand.class,
                PsCommand.class,
                StopCommand.class,
                GcCommand.class,
                AuditCommand.class,
                ImagesCommand.class,
                ScanCommand.class,
                SidecarCommand.class,
                DemoCommand.class,
        })
public final class BottleCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code, for tests. */
    public static int run(String... args) {
        return new CommandLine(new BottleCli()).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = BottleCli.class.getPackage().getImplementationVersion();
            return new String[] {"bottle " + (v == null ? "dev" : v)};
        }
    }
}
