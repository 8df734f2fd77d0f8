package io.claudebottle.backend.nativ;

import io.claudebottle.sidecar.Sidecar;
import io.claudebottle.sidecar.SidecarConfig;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The native backend's sidecar process: the same contract as {@code bottle sidecar --config FILE}
 * (one JSON line with the bound ports on stdout, then run until SIGTERM), but living in the
 * backend module so that any JVM holding the backend can start it, and ending when its launcher
 * does, so a killed launcher leaves no sidecar serving nobody.
 */
public final class NativeSidecarMain {

    private NativeSidecarMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: NativeSidecarMain CONFIG.json");
            System.exit(2);
        }
        Sidecar sidecar;
        try {
            sidecar = Sidecar.start(SidecarConfig.read(Path.of(args[0])));
        } catch (RuntimeException e) {
            System.err.println("bottle sidecar: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sidecar.close();
            stopped.countDown();
        }, "sidecar-shutdown"));
        ProcessHandle.current().parent().ifPresent(launcher -> launcher.onExit().thenRun(() -> System.exit(0)));
        Map<String, Object> ready = new LinkedHashMap<>();
        ready.put("bottle", sidecar.config().bottle());
        ready.put("ports", sidecar.ports());
        System.out.println(JsonMapper.builder().build().writeValueAsString(ready));
        System.out.flush();
        stopped.await();
    }
}
