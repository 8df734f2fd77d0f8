package io.claudebottle.cli;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.Backends;
import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.docker.DockerConnection;
import io.claudebottle.backend.nativ.NativeBackend;
import io.claudebottle.backend.smolvm.SmolmachinesBackend;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code bottle gc}: removes the labelled leftovers of launchers that were killed (SIGKILL, crash, reboot). */
@Command(name = "gc", description = {"Remove bottles whose launcher is gone (containers, networks, firewall rules;",
        "smolmachines VMs and loopback-alias reservations)."})
final class GcCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HelpOption help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Set<String> removed = new LinkedHashSet<>();
        try (NativeBackend natives = NativeBackend.open()) {
            removed.addAll(natives.gc());
        } catch (BackendException e) {
            err.println("bottle: native bottles: " + e.getMessage());
        }
        boolean engine = DockerConnection.available();
        try (DockerBackend docker = engine ? DockerBackend.open() : null;
             SmolmachinesBackend smolmachines = Backends.existingSmolmachines(Optional.ofNullable(docker),
                     m -> err.println("bottle: " + m)).orElse(null)) {
            // First: a dead launcher's VM goes before its alias is freed, and its sidecar with it.
            if (smolmachines != null) {
                removed.addAll(smolmachines.gc());
            }
            if (docker != null) {
                removed.addAll(docker.gc());
            }
            out.println(removed.isEmpty() ? "nothing to remove" : "removed " + String.join(", ", removed));
            return 0;
        } catch (BackendException e) {
            err.println("bottle: " + e.getMessage());
            return 2;
        }
    }
}
