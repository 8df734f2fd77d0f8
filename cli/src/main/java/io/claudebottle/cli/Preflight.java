package io.claudebottle.cli;

import io.claudebottle.manifest.BottlePolicy;
import io.claudebottle.manifest.CredRoute;
import io.claudebottle.manifest.GitUpstream;

import java.io.PrintWriter;

/** The y/N preflight of {@code bottle start}: what the bottle will be granted. Never prints a token value. */
final class Preflight {

    private Preflight() {
    }

    static void print(LaunchPlan plan, String runtime, PrintWriter out) {
        BottlePolicy p = plan.policy();
        out.println("agent    " + p.agent() + "  (bottle " + p.bottle() + ")");
        out.println("runtime  " + runtime + (runtime.equals("runsc") ? "  (gVisor, detected)" : ""));
        out.println("egress   " + String.join(", ", p.egress().hosts()));
        if (!p.egress().passthrough().isEmpty()) {
            out.println("  not intercepted: " + String.join(", ", p.egress().passthrough()));
        }
        for (CredRoute r : p.credRoutes()) {
            out.println("route    " + r.path() + " -> " + r.upstream() + "  " + r.authScheme() + " $" + r.tokenRef()
                    + (plan.missingTokens().contains(r.tokenRef()) ? "  (NOT SET in this shell)" : "  (set)")
                    + (r.role() == null ? "" : "  role " + r.role().manifestName()));
        }
        for (GitUpstream g : p.git()) {
            out.println("git      " + g.name() + " -> " + g.upstream() + "  key " + g.identityFile());
        }
        if (!plan.skills().isEmpty()) {
            out.println("skills   " + String.join(", ", plan.skills().keySet()));
        }
        if (!p.env().isEmpty()) {
            out.println("env      " + String.join(", ", p.env().keySet()));
        }
        out.flush();
    }
}
