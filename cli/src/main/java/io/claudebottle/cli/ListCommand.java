package io.claudebottle.cli;

import io.claudebottle.manifest.Agent;
import io.claudebottle.manifest.ManifestFile;
import io.claudebottle.manifest.Manifests;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bottle list}: the bottles and agents the manifests define, with the file each comes from. */
@Command(name = "list", description = "List bottles and agents, with the file each comes from.")
final class ListCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HelpOption help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Manifests manifests = ManifestSession.load();
        List<ManifestFile> bottles = filesOf(manifests, ManifestFile.Kind.BOTTLE);
        List<ManifestFile> agents = filesOf(manifests, ManifestFile.Kind.AGENT);
        if (bottles.isEmpty() && agents.isEmpty()) {
            out.println("No bottles or agents in " + manifests.locations().home()
                    + "; run `bottle init` to create an example of each.");
            return 0;
        }
        int width = manifests.files().stream().mapToInt(f -> f.name().length()).max().orElse(0) + 2;
        out.println("Bottles (only from " + manifests.locations().bottlesDir() + "):");
        bottles.forEach(f -> out.println("  " + pad(f.name(), width) + f.source() + invalid(f)));
        if (bottles.isEmpty()) {
            out.println("  (none)");
        }
        out.println("Agents:");
        for (ManifestFile f : agents) {
            String bottle = manifests.agents().stream().filter(a -> a.source().equals(f.source())).findFirst()
                    .map(Agent::bottle).map(b -> "bottle " + b + "  ").orElse("");
            out.println("  " + pad(f.name(), width) + bottle + f.source() + (f.fromRepo() ? "  (from the repository)" : "")
                    + invalid(f));
        }
        if (agents.isEmpty()) {
            out.println("  (none)");
        }
        if (!manifests.diagnostics().isEmpty()) {
            spec.commandLine().getErr().println(manifests.errors().size() + " error(s), " + manifests.warnings().size()
                    + " warning(s); run `bottle validate` to see them.");
        }
        return 0;
    }

    private static List<ManifestFile> filesOf(Manifests manifests, ManifestFile.Kind kind) {
        return manifests.files().stream().filter(f -> f.kind() == kind).toList();
    }

    private static String invalid(ManifestFile f) {
        return f.valid() ? "" : "  (has errors)";
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(1, width - s.length()));
    }
}
