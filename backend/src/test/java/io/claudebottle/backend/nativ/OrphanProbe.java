package io.claudebottle.backend.nativ;

import java.nio.file.Path;
import java.util.List;

/**
 * Run by {@link LauncherDeathTest} in a JVM of its own: launches a sandbox whose command
 * touches {@code <work>/ran} and then sleeps, optionally lets it start, prints the sandbox pid and
 * stage directory and waits to be killed.
 */
public final class OrphanProbe {

    private OrphanProbe() {
    }

    public static void main(String[] args) throws Exception {
        SandboxTool tool = SandboxTool.valueOf(args[0]);
        Path work = Path.of(args[1]);
        boolean start = Boolean.parseBoolean(args[2]);
        Sandbox sandbox = NamespaceSandbox.launch(SandboxSpec.of(List.of("/bin/sh", "-c", "touch ran; exec sleep 1000"),
                work, "/home/agent"), tool);
        if (start) {
            sandbox.startCommand();
        }
        System.out.println("pid=" + sandbox.pid() + " stage=" + sandbox.stageDir());
        System.out.flush();
        Thread.sleep(60_000);
    }
}
