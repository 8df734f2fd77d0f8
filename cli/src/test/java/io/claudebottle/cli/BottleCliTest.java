package io.claudebottle.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line a run builds: only the named subcommand, or all of them when the run needs them. */
class BottleCliTest {

    private static final int ALL = BottleCli.class.getAnnotation(CommandLine.Command.class).subcommands().length;

    @Test
    void aNamedSubcommandIsTheOnlyOneBuilt() {
        CommandLine cli = BottleCli.commandLine("start", "--yes", "some-agent");
        assertThat(cli.getSubcommands().keySet()).containsExactly("start");
        assertThat(cli.getSubcommands().get("start").getCommandSpec().qualifiedName()).isEqualTo("bottle start");
    }

    @Test
    void everySubcommandIsFoundAloneByItsName() {
        // the lookup goes by class name (NameCommand) before it reads the one annotation
        for (Class<?> subcommand : BottleCli.class.getAnnotation(CommandLine.Command.class).subcommands()) {
            String name = subcommand.getAnnotation(CommandLine.Command.class).name();
            if (!name.equals("help")) {
                assertThat(BottleCli.commandLine(name).getSubcommands().keySet()).as(name).containsExactly(name);
            }
        }
    }

    @Test
    void helpOptionsTyposAndNoArgumentsGetEverySubcommand() {
        for (String[] args : new String[][] {{}, {"help", "start"}, {"--help"}, {"--version"}, {"strat"}}) {
            assertThat(BottleCli.commandLine(args).getSubcommands()).as(String.join(" ", args)).hasSize(ALL);
        }
    }

    @Test
    void aSubcommandsOwnHelpStillWorks() {
        StringWriter out = new StringWriter();
        int code = BottleCli.commandLine("scan", "--help").setOut(new PrintWriter(out, true)).execute("scan", "--help");
        assertThat(code).isZero();
        assertThat(out.toString()).contains("Usage: bottle scan");
    }

    @Test
    void everySubcommandAndItsOwnSubcommandsAnswerHelp() {
        for (Class<?> subcommand : BottleCli.class.getAnnotation(CommandLine.Command.class).subcommands()) {
            String name = subcommand.getAnnotation(CommandLine.Command.class).name();
            CommandLine built = BottleCli.commandLine(name, "--help");
            List<String[]> invocations = new java.util.ArrayList<>();
            invocations.add(new String[] {name, "--help"});
            invocations.add(new String[] {name, "-h"});
            built.getSubcommands().get(name).getSubcommands().keySet()
                    .forEach(nested -> invocations.add(new String[] {name, nested, "--help"}));
            for (String[] args : invocations) {
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int code = BottleCli.commandLine(args).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                        .execute(args);
                String command = String.join(" ", args);
                assertThat(code).as(command + ": " + err).isZero();
                assertThat(out.toString()).as(command).contains("Usage: bottle " + String.join(" ",
                        java.util.Arrays.copyOf(args, args.length - 1)));
            }
        }
    }

    @Test
    void aTypoStillGetsADidYouMean() {
        StringWriter err = new StringWriter();
        int code = BottleCli.commandLine("strat").setErr(new PrintWriter(err, true)).execute("strat");
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("start");
    }

    @Test
    void theBackendOptionIsReadBeforePicocliParses() {
        assertThat(BottleCli.backendOption(new String[] {"start", "--backend", "native", "a"})).isEqualTo("native");
        assertThat(BottleCli.backendOption(new String[] {"start", "--yes", "--backend=docker", "a"})).isEqualTo("docker");
        assertThat(BottleCli.backendOption(new String[] {"start", "a"})).isNull();
        assertThat(BottleCli.backendOption(new String[] {"start", "--backend"})).isNull();
    }
}
