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
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code bottle stop <bottle>}: removes one bottle (its launcher then sees claude end and exits). */
@Command(name = "stop", description = {"Stop a bottle: remove its containers, networks and firewall rule; for a",
        "smolmachines bottle also its VM and its loopback alias."})
final class StopCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HelpOption help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Parameters(paramLabel = "<bottle>", description = "The bottle id (see `bottle ps`).")
    String bottleId;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (NativeBackend natives = NativeBackend.open()) {
            if (natives.has(bottleId) && natives.stop(bottleId)) {
                out.println("stopped " + bottleId);
                return 0;
            }
        } catch (BackendException e) {
            err.println("bottle: " + e.getMessage());
            return 2;
        }
        boolean engine = DockerConnection.available();
        try (DockerBackend docker = engine ? DockerBackend.open() : null;
             SmolmachinesBackend smolmachines = Backends.existingSmolmachines(Optional.ofNullable(docker),
                     m -> err.println("bottle: " + m)).orElse(null)) {
            // Before Docker's own stop: the VM must go before the alias is freed, and the sidecar with it.
            if (smolmachines != null && smolmachines.has(bottleId) && smolmachines.stop(bottleId)) {
                out.println("stopped " + bottleId);
                return 0;
            }
            if (docker == null || !docker.stop(bottleId)) {
                err.println("bottle: no bottle '" + bottleId + "'" + (engine ? "" : " (no Docker engine answers, so "
                        + "Docker bottles were not looked at)") + "; `bottle ps` lists them");
                return 1;
            }
            out.println("stopped " + bottleId);
            return 0;
        } catch (BackendException e) {
            err.println("bottle: " + e.getMessage());
            return 2;
        }
    }
}
