package io.claudebottle.cli;

import io.claudebottle.manifest.Manifests;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bottle validate}: every manifest, every problem at once; exit 1 if any is an error. */
@Command(name = "validate",
        description = "Check every bottle and agent file and print every problem at once, as "
                + "file:line:column: message. Exits 1 if there is any error.")
final class ValidateCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HelpOption help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Manifests manifests = ManifestSession.load();
        ManifestSession.print(manifests.diagnostics(), out);
        long bottles = manifests.files().stream().filter(f -> f.kind() == io.claudebottle.manifest.ManifestFile.Kind.BOTTLE).count();
        long agents = manifests.files().size() - bottles;
        String counts = bottles + " bottle(s), " + agents + " agent(s) in " + manifests.locations().home()
                + manifests.locations().repoManifestDir().map(d -> " and " + d).orElse("");
        if (manifests.hasErrors()) {
            out.println(manifests.errors().size() + " error(s), " + manifests.warnings().size() + " warning(s); "
                    + counts + ".");
            return 1;
        }
        out.println("ok: " + counts + (manifests.warnings().isEmpty() ? "" : ", " + manifests.warnings().size()
                + " warning(s)") + ".");
        return 0;
    }
}
