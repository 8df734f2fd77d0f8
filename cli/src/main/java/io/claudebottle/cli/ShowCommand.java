package io.claudebottle.cli;

import io.claudebottle.manifest.BottlePolicy;
import io.claudebottle.manifest.Diagnostic;
import io.claudebottle.manifest.ManifestFile;
import io.claudebottle.manifest.Manifests;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** {@code bottle show <agent>}: the fully resolved policy of one agent, as text or JSON. */
@Command(name = "show",
        description = "Show the fully resolved policy of an agent: its bottle, env names (never values), "
                + "skills, git upstreams, cred-proxy routes and the effective egress allowlist.")
final class ShowCommand implements Callable<Integer> {

    @CommandLine.Mixin
    HelpOption help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Parameters(paramLabel = "<agent>", description = "The agent's name (see `bottle list`).")
    String agent;

    @CommandLine.Option(names = "--json", description = "Print the policy as JSON.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Manifests manifests = ManifestSession.load();
        Optional<ManifestFile> file = manifests.agentFile(agent);
        if (file.isEmpty()) {
            List<String> names = manifests.agentNames();
            String hint = manifests.suggestAgent(agent).map(n -> "did you mean `" + n + "`?")
                    .orElse(names.isEmpty() ? "there are no agents; run `bottle init`" : "agents: " + String.join(", ", names));
            err.println("bottle: no agent named `" + agent + "`; " + hint);
            return 1;
        }
        Optional<BottlePolicy> policy = manifests.policy(agent);
        if (policy.isEmpty()) {
            List<Path> sources = new ArrayList<>(List.of(file.get().source()));
            manifests.agents().stream().filter(a -> a.name().equals(agent)).findFirst()
                    .ifPresent(a -> sources.add(manifests.locations().bottlesDir().resolve(a.bottle() + ".md")));
            ManifestSession.print(manifests.diagnosticsOf(sources).stream().filter(Diagnostic::isError).toList(), err);
            err.println("bottle: agent `" + agent + "` has errors; fix them (`bottle validate` lists all) and retry.");
            return 1;
        }
        PolicyView view = PolicyView.of(policy.get(), ManifestSession.environment());
        List<Diagnostic> fileWarnings = manifests.diagnosticsOf(policy.get().sources());
        if (json) {
            JsonMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
            out.println(mapper.writeValueAsString(view));
        } else {
            printText(view, out);
        }
        fileWarnings.forEach(d -> err.println(d.render()));
        view.warnings().forEach(w -> err.println("warning: " + w));
        return 0;
    }

    private static void printText(PolicyView view, PrintWriter out) {
        out.println("agent    " + view.agent() + "  (" + view.sources().get(0) + ")");
        out.println("bottle   " + view.bottle() + "  (" + view.sources().get(1) + ")");
        out.println("skills   " + orNone(String.join(", ", view.skills())));
        out.println("env      " + orNone(String.join(", ", view.env())) + (view.env().isEmpty() ? "" : "  (names only)"));
        out.println("git upstreams (through the git-gate):" + (view.git().isEmpty() ? " none" : ""));
        for (PolicyView.Git g : view.git()) {
            out.println("  " + g.name() + "  " + g.upstream() + "  key " + g.identityFile()
                    + (g.hostKeyPinned() ? "  host key pinned" : "  host key NOT pinned")
                    + (g.forbidForcePush() ? "  force-push forbidden" : "")
                    + (g.extraHosts().isEmpty() ? "" : "  extra hosts " + g.extraHosts()));
        }
        out.println("cred-proxy routes (tokens stay in the sidecar):" + (view.credRoutes().isEmpty() ? " none" : ""));
        for (PolicyView.Route r : view.credRoutes()) {
            out.println("  " + r.path() + " -> " + r.upstream() + "  " + r.authScheme() + " $" + r.tokenRef()
                    + (r.tokenSet() ? " (set)" : " (NOT SET)") + (r.role() == null ? "" : "  role " + r.role()));
        }
        out.println("egress allowlist (effective):");
        int width = view.egress().allowlist().stream().mapToInt(h -> h.host().length()).max().orElse(0) + 2;
        for (PolicyView.Host h : view.egress().allowlist()) {
            out.println("  " + h.host() + (h.isDefault()
                    ? " ".repeat(width - h.host().length()) + "default: " + h.reason() : ""));
        }
        if (!view.egress().passthrough().isEmpty()) {
            out.println("passthrough (no TLS interception): " + String.join(", ", view.egress().passthrough()));
        }
        if (!view.egress().allowAddresses().isEmpty()) {
            out.println("allowed addresses: " + String.join(", ", view.egress().allowAddresses()));
        }
        view.egress().dlpExempt().forEach((host, ids) ->
                out.println("DLP exemptions for " + host + ": " + String.join(", ", ids)));
        if (!view.dlp().rules().isEmpty() || !view.dlp().allow().isEmpty()) {
            out.println("extra DLP rules: " + orNone(String.join(", ", view.dlp().rules().stream().map(r -> r.id()).toList()))
                    + "; allowed secrets: " + orNone(String.join(", ", view.dlp().allow())));
        }
        String prompt = view.systemPrompt();
        String firstLine = prompt.lines().findFirst().orElse("");
        out.println("system prompt  " + (prompt.isEmpty() ? "(empty)" : firstLine
                + (prompt.length() > firstLine.length() ? " ... (" + prompt.length() + " chars)" : "")));
    }

    private static String orNone(String s) {
        return s.isEmpty() ? "(none)" : s;
    }
}
