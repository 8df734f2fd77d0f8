package io.claudebottle.cli;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.docker.DockerConnection;
import io.claudebottle.backend.nativ.NativeBackend;
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
        List<String> removed = new java.util.ArrayList<>();
        try (NativeBackend natives = NativeBackend.open()) {
            removed.addAll(natives.gc());
        } catch (BackendException e) {
            spec.commandLine().getErr().println("bottle: native bottles: " + e.getMessage());
        }
        if (!DockerConnection.available()) {
            spec.commandLine().getOut().println(removed.isEmpty() ? "nothing to remove" : "removed " + String.join(", ", removed));
            return 0;
        }
        try (DockerBackend backend = DockerBackend.open()) {
            removed.addAll(backend.gc());
            spec.commandLine().getOut().println(removed.isEmpty() ? "nothing to remove"
                    : "removed " + String.join(", ", removed));
            return 0;
        } catch (BackendException e) {
            spec.commandLine().getErr().println("bottle: " + e.getMessage());
            return 2;
        }
    }
}
