package io.claudebottle.cli;

import picocli.CommandLine;

/** {@code -h}/{@code --help} on a subcommand; the version stays the root's ({@code bottle --version}). */
final class HelpOption {

    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;
}
