package io.claudebottle.cli.matrix;

import io.claudebottle.backend.Backend;
import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;
import io.claudebottle.backend.nativ.NativeBackend;
import io.claudebottle.backend.nativ.SandboxTool;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Native bottles launched by this JVM (the test run's user), with one sandbox tool. */
final class NativeBottles implements Bottles {

    private final NativeBackend backend;
    private final Path stateRoot;

    NativeBottles(Path temp, SandboxTool tool) {
        this.stateRoot = temp.resolve("state");
        this.backend = new NativeBackend(stateRoot, Matrix.directory(temp.resolve("work")), tool);
    }

    @Override
    public String serverAddress() {
        return "127.0.0.1";
    }

    @Override
    public String allowAddress() {
        return "127.0.0.1";
    }

    @Override
    public Map<String, String> hostTargets(int port) {
        return NativeView.hostTargets(port);
    }

    @Override
    public Bottle start(BottleLaunch launch) {
        long self = ProcessHandle.current().pid();
        List<String> listening = HostView.listening(self);
        RunningBottle bottle = backend.start(launch, Backend.Progress.SILENT);
        NativeView view = new NativeView(stateRoot, bottle.bottleId());
        return new NativeMatrixBottle(bottle.bottleId(), view, view.sidecarTargets(self, listening),
                () -> HostView.listening(self), bottle::runAgent, bottle::close);
    }

    @Override
    public void close() {
        backend.close();
    }
}
