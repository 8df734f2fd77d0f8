package io.claudebottle.cli;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.docker.DockerBackend;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code bottle gc}: removes the labelled leftovers of launchers that were killed (SIGKILL, crash, reboot). */
@Command(name = "gc", description = "Remove bottles whose launcher is gone (containers, networks, firewall rules).")
final class GcCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try (DockerBackend backend = DockerBackend.open()) {
            List<String> removed = backend.gc();
            spec.commandLine().getOut().println(removed.isEmpty() ? "nothing to remove"
                    : "removed " + String.join(", ", removed));
            return 0;
        } catch (BackendException e) {
            spec.commandLine().getErr().println("bottle: " + e.getMessage());
            return 2;
        }
    }
}
