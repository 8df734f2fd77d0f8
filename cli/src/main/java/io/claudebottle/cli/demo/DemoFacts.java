package io.claudebottle.cli.demo;

import java.util.List;

/**
 * What the scripted commands need to know about this run, read when a command is handed out (the
 * bottle is up by then, so its bridge's address is among {@code hostAddresses}).
 *
 * @param apiPort       the port of the fake API and upload host (the allowlisted {@code host:port})
 * @param canaryPort    a listener on every address of this machine that no agent may ever reach
 * @param peerPort      another bottle's fake API port (off this bottle's allowlist), or 0
 * @param hostAddresses this machine's addresses an agent could try to dial directly
 */
public record DemoFacts(int apiPort, int canaryPort, int peerPort, List<String> hostAddresses) {
    public DemoFacts {
        hostAddresses = List.copyOf(hostAddresses);
    }
}
