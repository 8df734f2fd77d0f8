package io.claudebottle.cli;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.Backends;
import io.claudebottle.backend.BottleInfo;
import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.docker.DockerConnection;
import io.claudebottle.backend.nativ.NativeBackend;
import io.claudebottle.backend.smolvm.SmolmachinesBackend;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code bottle ps}: the bottles on this machine, with their backend, age, runtime and egress denials so far. */
@Command(name = "ps", description = {"List bottles: id, agent, age, backend, runtime, denials so far, state",
        "(a smolmachines bottle's state names its loopback alias)."})
final class PsCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HelpOption help;

    private static final String ROW = "%-28s %-16s %-8s %-12s %-7s %-7s %s%n";
    /** The runtime label a smolmachines bottle's sidecar carries in Docker. */
    private static final String SMOLVM_RUNTIME = "smolvm";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        out.printf(ROW, "BOTTLE", "AGENT", "AGE", "BACKEND", "RUNTIME", "DENIED", "STATE");
        try (NativeBackend natives = NativeBackend.open()) {
            for (BottleInfo b : natives.list()) {
                row(out, b, NativeBackend.NAME, natives.denials(b.bottleId()));
            }
        } catch (BackendException e) {
            err.println("bottle: native bottles: " + e.getMessage());
        }
        boolean engine = DockerConnection.available();
        try (DockerBackend docker = engine ? DockerBackend.open() : null;
             SmolmachinesBackend smolmachines = Backends.existingSmolmachines(Optional.ofNullable(docker),
                     m -> err.println("bottle: " + m)).orElse(null)) {
            Set<String> shown = new HashSet<>();
            if (smolmachines != null) {
                for (BottleInfo b : smolmachines.list()) {
                    // the sidecar is in Docker: its audit log has the denials
                    row(out, b, SmolmachinesBackend.NAME, docker == null ? Optional.empty() : docker.denials(b.bottleId()));
                    shown.add(b.bottleId());
                }
            }
            if (docker != null) {
                for (BottleInfo b : docker.list()) {
                    if (shown.add(b.bottleId())) {
                        // a smolmachines sidecar whose alias reservation is gone: still that backend's
                        String backend = SMOLVM_RUNTIME.equals(b.runtime()) ? SmolmachinesBackend.NAME : Backends.DEFAULT;
                        row(out, b, backend, docker.denials(b.bottleId()));
                    }
                }
            }
            return 0;
        } catch (BackendException e) {
            err.println("bottle: " + e.getMessage());
            return 2;
        }
    }

    private static void row(PrintWriter out, BottleInfo b, String backend, Optional<Long> denials) {
        out.printf(ROW, b.bottleId(), b.agent(), age(b.created()), backend, b.runtime(),
                denials.map(Object::toString).orElse("-"),
                b.state() + (b.launcherAlive() ? "" : " (launcher gone: `bottle gc`)"));
    }

    static String age(Instant created) {
        Duration d = Duration.between(created, Instant.now());
        if (d.toHours() > 0) {
            return d.toHours() + "h" + d.toMinutesPart() + "m";
        }
        return d.toMinutes() > 0 ? d.toMinutes() + "m" + d.toSecondsPart() + "s" : d.toSeconds() + "s";
    }
}
