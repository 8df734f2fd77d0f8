package io.claudebottle.cli.matrix;

import io.claudebottle.backend.RunningBottle;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** A native bottle, whoever launched it: run and close go to the launcher, the rest is the host's view. */
final class NativeMatrixBottle implements Bottles.Bottle {

    private final String id;
    private final NativeView view;
    private final Function<Duration, RunningBottle.AgentResult> run;
    private final Runnable close;
    private final Map<String, String> sidecarTargets;
    private final java.util.function.Supplier<List<String>> listening;

    /**
     * @param sidecarTargets the sidecar's listeners on the host, as another bottle would dial them
     * @param listening      what the launcher listens on now
     */
    NativeMatrixBottle(String id, NativeView view, Map<String, String> sidecarTargets,
                       java.util.function.Supplier<List<String>> listening,
                       Function<Duration, RunningBottle.AgentResult> run, Runnable close) {
        this.listening = listening;
        this.id = id;
        this.sidecarTargets = Map.copyOf(sidecarTargets);
        this.view = view;
        this.run = run;
        this.close = close;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public RunningBottle.AgentResult runAgent(Duration timeout) {
        return run.apply(timeout);
    }

    @Override
    public Map<String, String> sidecarTargets() {
        return sidecarTargets;
    }

    @Override
    public Map<String, String> agentSideViews() {
        return view.launcherSideViews();
    }

    @Override
    public Map<String, String> sidecarSideViews() {
        return view.sidecarEnvironment();
    }

    /** None: the agent's namespace has only {@code lo}; the agent script checks it has no route. */
    @Override
    public List<String> agentDnsForwarders() {
        return List.of();
    }

    @Override
    public List<String> audit() {
        return view.audit();
    }

    @Override
    public Bottles.Remains remains() {
        Bottles.Remains rest = view.remains();
        return () -> {
            List<String> left = new java.util.ArrayList<>(rest.leftovers());
            for (String address : sidecarTargets.values()) { // the sidecar's listeners on the host must be closed too
                if (listening.get().contains(address)) {
                    left.add("sidecar listener " + address);
                }
            }
            return left;
        };
    }

    @Override
    public void close() {
        close.run();
    }
}
