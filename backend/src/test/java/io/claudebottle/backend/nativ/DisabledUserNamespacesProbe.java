package io.claudebottle.backend.nativ;

import java.nio.file.Path;
import java.util.List;

/**
 * Run by {@link DisabledUserNamespacesTest} inside a user namespace whose
 * {@code user.max_user_namespaces} is 0: tries to launch a sandbox and prints the error.
 */
public final class DisabledUserNamespacesProbe {

    private DisabledUserNamespacesProbe() {
    }

    public static void main(String[] args) {
        try (Sandbox sandbox = NamespaceSandbox.launch(SandboxSpec.of(List.of("true"), Path.of(args[1]), "/home/agent"),
                SandboxTool.valueOf(args[0]))) {
            System.out.println("launched " + sandbox.pid());
        } catch (SandboxException e) {
            System.out.println("error=" + e.getMessage());
        }
    }
}
