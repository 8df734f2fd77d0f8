package io.claudebottle.cli;

import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.docker.DockerBackend;
import io.claudebottle.backend.nativ.NativeBackend;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code bottle audit <bottle>}: the sidecar's decisions (egress, DLP, cred-proxy, git-gate) as JSON lines. */
@Command(name = "audit", description = "Print a bottle's audit log (JSON lines); -f follows it.")
final class AuditCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HelpOption help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Parameters(paramLabel = "<bottle>", description = "The bottle id (see `bottle ps`).")
    String bottleId;

    @CommandLine.Option(names = {"-f", "--follow"}, description = "Keep printing new decisions until the bottle ends.")
    boolean follow;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (NativeBackend natives = NativeBackend.open()) {
            if (natives.has(bottleId)) {
                natives.audit(bottleId, follow, line -> {
                    out.println(line);
                    out.flush();
                });
                return 0;
            }
        } catch (BackendException e) {
            spec.commandLine().getErr().println("bottle: " + e.getMessage());
            return 2;
        }
        try (DockerBackend backend = DockerBackend.open()) {
            backend.audit(bottleId, follow, line -> {
                out.println(line);
                out.flush();
            });
            return 0;
        } catch (BackendException e) {
            spec.commandLine().getErr().println("bottle: " + e.getMessage());
            return 2;
        }
    }
}
