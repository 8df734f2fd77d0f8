package io.claudebottle.cli.matrix;

import io.claudebottle.backend.BottleLaunch;
import io.claudebottle.backend.RunningBottle;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One backend as the security matrix drives it: starts bottles and knows, for its own isolation
 * technology, which host addresses an agent must not reach and what of a bottle could be left behind.
 */
interface Bottles extends AutoCloseable {

    /** Where the test's own servers (upstreams, git) listen so that this backend's sidecar reaches them. */
    String serverAddress();

    /** What {@code egress.allowAddresses} needs so that the sidecar may dial {@link #serverAddress()}. */
    String allowAddress();

    /**
     * The host's own addresses the agent must not reach, label → {@code ip:port}, for a listener on
     * {@code port}. The agent script defines {@code $gw}: its own address with the last octet 1.
     */
    Map<String, String> hostTargets(int port);

    Bottle start(BottleLaunch launch);

    @Override
    void close();

    /** A started bottle and the host's view of it. */
    interface Bottle extends AutoCloseable {

        String id();

        RunningBottle.AgentResult runAgent(Duration timeout);

        /** This bottle's sidecar as another bottle's agent would dial it: label → {@code ip:port}. */
        Map<String, String> sidecarTargets();

        /** What the host shows of the agent that must never hold a token: label → text. */
        Map<String, String> agentSideViews();

        /** Where the token must be (positive control that the search would find it): label → text. */
        Map<String, String> sidecarSideViews();

        /**
         * Where the agent's resolver forwards names it does not know itself, each as {@code loopback} (the
         * agent's own), {@code own-sidecar} or the address; empty when the agent has no route at all.
         */
        List<String> agentDnsForwarders();

        /** The bottle's audit log lines. */
        List<String> audit();

        /** Remembers what to look for after close (ids of containers, processes, mounts). */
        Remains remains();

        @Override
        void close();
    }

    /** What is still there of a closed bottle; every entry names one leftover. */
    @FunctionalInterface
    interface Remains {
        List<String> leftovers();
    }
}
