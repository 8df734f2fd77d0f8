package io.claudebottle.cli;

import io.claudebottle.backend.Backends;
import io.claudebottle.egress.BottleCa;
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
        io.claudebottle.sidecar.StartTrace.mark("cli: main (JVM booted)");
        // Netty's allocator JFR events: loading them makes the JDK instrument event classes (hidden
        // classes, annotation proxies, JIT work) on every start, for a recording nobody runs here.
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        // picocli's default factory otherwise looks for Groovy's Closure class: a miss that
        // searches every jar on the class path, on every start.
        if (System.getProperty("picocli.disable.closures") == null) {
            System.setProperty("picocli.disable.closures", "true");
        }
        // A native bottle's CA is minted by this process (a Docker bottle's by its sidecar): its key
        // pair is generated while the command line and the manifests are read.
        if (args.length > 0 && (args[0].equals("start") || args[0].equals("demo"))
                && Backends.mayStartNatively(backendOption(args), System.getenv())) {
            BottleCa.prepareKeys();
        }
        System.exit(run(args));
    }

    /** The value of {@code --backend} among {@code args}, before picocli parses them; null if absent. */
    static String backendOption(String[] args) {
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--backend") && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith("--backend=")) {
                return args[i].substring("--backend=".length());
            }
        }
        return null;
    }

    /** Runs the CLI and returns the exit code, for tests. */
    public static int run(String... args) {
        return commandLine(args).execute(args);
    }

    /**
     * The command line for {@code args}: when the first argument names a subcommand, a root that
     * holds only that one, else the whole command (usage, help, options, "did you mean"). picocli
     * reflects over every subcommand's fields and annotations when it builds a command: for the
     * dozen a {@code bottle start} does not use, that was a sizeable part of the start's CPU.
     */
    static CommandLine commandLine(String... args) {
        String first = args.length > 0 ? args[0] : "";
        for (Class<?> subcommand : BottleCli.class.getAnnotation(Command.class).subcommands()) {
            // By class name first: reading every subcommand's annotations to find one was a dozen
            // annotation parses on the start's critical path. The chosen one's name still decides.
            if (!first.equals("help") && subcommand.getSimpleName().equalsIgnoreCase(first + "Command")
                    && subcommand.getAnnotation(Command.class).name().equals(first)) {
                CommandLine root = new CommandLine(CommandLine.Model.CommandSpec.wrapWithoutInspection(new BottleCli()).name("bottle"));
                return root.addSubcommand(subcommand);
            }
        }
        return new CommandLine(new BottleCli());
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
