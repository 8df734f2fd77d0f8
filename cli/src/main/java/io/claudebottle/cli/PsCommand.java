package io.claudebottle.cli;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.BottleInfo;
import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.docker.DockerConnection;
import io.claudebottle.backend.nativ.NativeBackend;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

/** {@code bottle ps}: the bottles on this machine, with their age, runtime and egress denials so far. */
@Command(name = "ps", description = "List bottles: id, agent, age, runtime, denials so far, state.")
final class PsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-28s %-16s %-8s %-7s %-7s %s%n", "BOTTLE", "AGENT", "AGE", "RUNTIME", "DENIED", "STATE");
        try (NativeBackend natives = NativeBackend.open()) {
            for (BottleInfo b : natives.list()) {
                String denied = natives.denials(b.bottleId()).map(Object::toString).orElse("-");
                out.printf("%-28s %-16s %-8s %-7s %-7s %s%n", b.bottleId(), b.agent(), age(b.created()), b.runtime(),
                        denied, b.state() + (b.launcherAlive() ? "" : " (launcher gone: `bottle gc`)"));
            }
        } catch (BackendException e) {
            spec.commandLine().getErr().println("bottle: native bottles: " + e.getMessage());
        }
        if (!DockerConnection.available()) {
            return 0; // no Docker engine: only native bottles can exist
        }
        try (DockerBackend backend = DockerBackend.open()) {
            for (BottleInfo b : backend.list()) {
                String denied = backend.denials(b.bottleId()).map(Object::toString).orElse("-");
                out.printf("%-28s %-16s %-8s %-7s %-7s %s%n", b.bottleId(), b.agent(), age(b.created()), b.runtime(),
                        denied, b.state() + (b.launcherAlive() ? "" : " (launcher gone: `bottle gc`)"));
            }
            return 0;
        } catch (BackendException e) {
            spec.commandLine().getErr().println("bottle: " + e.getMessage());
            return 2;
        }
    }

    static String age(Instant created) {
        Duration d = Duration.between(created, Instant.now());
        if (d.toHours() > 0) {
            return d.toHours() + "h" + d.toMinutesPart() + "m";
        }
        return d.toMinutes() > 0 ? d.toMinutes() + "m" + d.toSecondsPart() + "s" : d.toSeconds() + "s";
    }
}
