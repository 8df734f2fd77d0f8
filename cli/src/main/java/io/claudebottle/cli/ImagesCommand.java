package io.claudebottle.cli;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.docker.ImageBuilder;
import io.claudebottle.backend.docker.SidecarApp;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code bottle images build}: builds the base, agent and sidecar images (no registry needed);
 * {@code bottle images prune}: removes the superseded ones.
 */
@Command(name = "images", description = "Manage the bottle images.",
        subcommands = {ImagesCommand.Build.class, ImagesCommand.Prune.class})
final class ImagesCommand implements Runnable {

    @CommandLine.Mixin
    HelpOption help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "build", description = {"Build the images if their inputs changed: a debootstrap base, the agent",
            "(Claude Code from the host's npm install) and the sidecar (a jlink'ed JDK + the bottle jars)."})
    static final class Build implements Callable<Integer> {

        @CommandLine.Mixin
        HelpOption help;

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
                var images = new ImageBuilder(backend, m -> {
                    err.println("bottle: " + m);
                    err.flush();
                }, offline).ensureAll(SidecarApp.production());
                out.println("agent   " + images.agent());
                out.println("sidecar " + images.sidecar());
                return 0;
            } catch (BackendException e) {
                err.println("bottle: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "prune", description = {"Remove every bottle image except the current ones (the images this",
            "bottle would run now) and those a container still uses. A build already removes the images it",
            "supersedes once they are 10 minutes old; this removes the rest at once."})
    static final class Prune implements Callable<Integer> {

        @CommandLine.Mixin
        HelpOption help;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try (DockerBackend backend = DockerBackend.open()) {
                var removed = new ImageBuilder(backend, m -> err.println("bottle: " + m), true)
                        .prune(SidecarApp.production());
                removed.forEach(tag -> out.println("removed " + tag));
                out.println(removed.size() + " image(s) removed");
                return 0;
            } catch (BackendException e) {
                err.println("bottle: " + e.getMessage());
                return 2;
            }
        }
    }
}
