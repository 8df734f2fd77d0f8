package io.claudebottle.backend.docker;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BottleLaunch;

import java.util.Map;

/** A launcher in its own JVM, for the tests that kill it: starts one bottle, reports its id, waits. */
public final class ChildLauncher {

    private ChildLauncher() {
    }

    public static void main(String[] args) throws InterruptedException {
        DockerBackend backend = DockerBackend.open();
        var bottle = backend.start(DockerTestSupport.scripted("child", new BottleLaunch.Images(args[0], args[1]),
                "sleep 300", Map.of(), Map.of()), Backend.Progress.SILENT);
        System.out.println("UP " + bottle.bottleId());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
