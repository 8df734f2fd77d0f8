package io.claudebottle.cli;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.nativ.NativeBackend;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code bottle stop <bottle>}: removes one bottle (its launcher then sees claude end and exits). */
@Command(name = "stop", description = "Stop a bottle: remove its containers, networks and firewall rule.")
final class StopCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Parameters(paramLabel = "<bottle>", description = "The bottle id (see `bottle ps`).")
    String bottleId;

    @Override
    public Integer call() {
        try (NativeBackend natives = NativeBackend.open()) {
            if (natives.has(bottleId) && natives.stop(bottleId)) {
                spec.commandLine().getOut().println("stopped " + bottleId);
                return 0;
            }
        } catch (BackendException e) {
            spec.commandLine().getErr().println("bottle: " + e.getMessage());
            return 2;
        }
        try (DockerBackend backend = DockerBackend.open()) {
            if (!backend.stop(bottleId)) {
                spec.commandLine().getErr().println("bottle: no bottle '" + bottleId + "'; `bottle ps` lists them");
                return 1;
            }
            spec.commandLine().getOut().println("stopped " + bottleId);
            return 0;
        } catch (BackendException e) {
            spec.commandLine().getErr().println("bottle: " + e.getMessage());
            return 2;
        }
    }
}
