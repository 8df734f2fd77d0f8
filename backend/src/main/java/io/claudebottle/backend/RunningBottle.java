package io.claudebottle.backend;

import java.time.Duration;
import java.util.List;

/** A started bottle. Closing it tears everything down (idempotent). */
public interface RunningBottle extends AutoCloseable {

    String bottleId();

    /** The OCI runtime the containers run under. */
    String runtime();

    /**
     * Runs the agent command. Interactive launches attach the user's terminal and return the exit
     * code; others capture output (see {@link AgentResult}) and stop the agent after {@code timeout}.
     */
    AgentResult runAgent(Duration timeout);

    /** Runs a command in the running sidecar (diagnostics, audit); returns its stdout. */
    String sidecarExec(List<String> command);

    @Override
    void close();

    /** Exit code and captured output (empty for interactive runs). */
    record AgentResult(int exitCode, String stdout, String stderr) {
    }
}
