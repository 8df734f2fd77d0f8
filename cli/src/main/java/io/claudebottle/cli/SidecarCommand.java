package io.claudebottle.cli;

import io.claudebottle.sidecar.Sidecar;
import io.claudebottle.sidecar.SidecarConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code bottle sidecar --config FILE}: runs one bottle's sidecar services in this JVM until
 * SIGTERM/SIGINT. Normally started by the launcher inside the sidecar container.
 */
@Command(name = "sidecar", mixinStandardHelpOptions = true,
        description = {
                "Runs a bottle's sidecar (egress proxy and the other configured services, plus the "
                        + "supervise endpoint) from the JSON config the launcher writes; see the README for its schema.",
                "Prints one JSON line with the bound ports once every service is listening, then runs until "
                        + "SIGTERM or SIGINT. Exit status: 2 if the config is invalid or a service cannot start."})
final class SidecarCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "The sidecar's JSON config.")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Sidecar sidecar;
        try {
            sidecar = Sidecar.start(SidecarConfig.read(config));
        } catch (RuntimeException e) {
            err.println("bottle sidecar: " + e.getMessage());
            err.flush();
            return 2;
        }
        out.println(sidecar.readyLine());
        out.flush();
        err.println("bottle sidecar: " + sidecar.config().bottle() + " ready; ports " + sidecar.ports());
        err.flush();
        sidecar.runUntilShutdown();
        return 0;
    }
}
