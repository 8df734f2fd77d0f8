package io.claudebottle.cli;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.docker.ImageBuilder;
import io.claudebottle.backend.docker.SidecarApp;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code bottle images build}: builds the base, agent and sidecar images (no registry needed). */
@Command(name = "images", description = "Manage the bottle images.",
        subcommands = {ImagesCommand.Build.class})
final class ImagesCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "build", description = {"Build the images if their inputs changed: a debootstrap base, the agent",
            "(Claude Code from the host's npm install) and the sidecar (a jlink'ed JDK + the bottle jars)."})
    static final class Build implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Option(names = "--offline",
                description = "Use no registry at all (the base always comes from debootstrap); never run npm install.")
        boolean offline;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try (DockerBackend backend = DockerBackend.open()) {
                var images = new ImageBuilder(backend.client(), m -> {
                    err.println("bottle: " + m);
                    err.flush();
                }, offline).ensureAll(SidecarApp.ofThisJvm(SidecarApp.CLI_SIDECAR));
                out.println("agent   " + images.agent());
                out.println("sidecar " + images.sidecar());
                return 0;
            } catch (BackendException e) {
                err.println("bottle: " + e.getMessage());
                return 2;
            }
        }
    }
}
