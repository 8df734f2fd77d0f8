package io.claudebottle.backend.docker;

import io.claudebottle.egress.BottleCa;
import io.claudebottle.sidecar.Sidecar;
import io.claudebottle.sidecar.SidecarConfig;
import io.claudebottle.sidecar.StartTrace;

import java.nio.file.Path;

/**
 * The sidecar container's entry point: the contract of {@code bottle sidecar --config FILE} (one
 * JSON line with the bound ports on stdout once every service listens, then run until SIGTERM),
 * without the CLI around it. picocli's classes are Java 5 bytecode, which the JDK's AOT cache
 * cannot hold, and the CLI's command classes are not needed here: both only slowed a bottle's start.
 */
public final class ContainerSidecarMain {

    private ContainerSidecarMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        StartTrace.mark("sidecar: main");
        if (args.length != 1) {
            System.err.println("usage: ContainerSidecarMain CONFIG.json");
            System.exit(2);
        }
        BottleCa.prepareKeys(); // while the config is read
        Sidecar sidecar;
        try {
            sidecar = Sidecar.start(SidecarConfig.read(Path.of(args[0])));
        } catch (RuntimeException e) {
            System.err.println("bottle sidecar: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.out.println(sidecar.readyLine());
        System.out.flush();
        StartTrace.mark("sidecar: ready");
        // Start-up garbage (rule compilation, CA minting, TLS set-up) filled the heap; one full
        // collection now lets the JVM give those pages back (MaxHeapFreeRatio), so an idle bottle
        // holds only what it uses.
        System.gc();
        sidecar.runUntilShutdown();
    }
}
