package io.claudebottle.backend.docker;

import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.core.command.FrameReader;
import com.github.dockerjava.transport.DockerHttpClient;
import io.claudebottle.backend.BackendException;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Attaches the user's terminal to the agent's TTY: raw mode (so Ctrl-C and friends reach
 * {@code claude}), the window size followed (polled: the JDK has no public SIGWINCH hook), and the
 * terminal restored afterwards
 * even when the launcher is being shut down.
 */
final class TerminalAttach {

    private static final File TTY = new File("/dev/tty");
    private final EngineApi api;
    private final String container;
    private final Runnable start;

    /** {@code start} starts the container once the terminal is attached to it. */
    TerminalAttach(EngineApi api, String container, Runnable start) {
        this.api = api;
        this.container = container;
        this.start = start;
    }

    int run() {
        boolean tty = TTY.canRead() && stty("-g") != null;
        String saved = tty ? stty("-g").strip() : null;
        Thread restore = new Thread(() -> {
            if (saved != null) {
                stty(saved);
            }
        }, "bottle-tty-restore");
        PrintStream out = System.out;
        DockerHttpClient.Response attached = null;
        try {
            if (tty) {
                Runtime.getRuntime().addShutdownHook(restore);
                stty("raw", "-echo");
            }
            attached = api.attach(container, System.in);
            Thread output = Thread.ofPlatform().daemon().name("bottle-agent-output").start(copy(attached, out));
            start.run();
            Thread resizer = tty ? Thread.ofVirtual().name("bottle-tty-resize").start(this::followSize) : null;
            long code = api.awaitExit(container);
            if (resizer != null) {
                resizer.interrupt();
            }
            output.join(2000); // the rest of the output, which ends with the container
            return (int) code;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while attached to " + container, e);
        } finally {
            if (attached != null) {
                attached.close();
            }
            if (saved != null) {
                stty(saved);
                try {
                    Runtime.getRuntime().removeShutdownHook(restore);
                } catch (IllegalStateException ignored) {
                    // shutting down: the hook restores the terminal
                }
            }
        }
    }

    private void followSize() {
        String last = "";
        while (!Thread.currentThread().isInterrupted()) {
            String size = stty("size");
            if (size != null && !size.equals(last)) {
                String[] rc = size.strip().split("\\s+");
                try {
                    api.post("/containers/" + container + "/resize?h=" + Integer.parseInt(rc[0])
                            + "&w=" + Integer.parseInt(rc[1]), null);
                    last = size;
                } catch (RuntimeException e) {
                    // the container may be gone or not yet running; try again on the next poll
                }
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Copies the container's output (frames, or raw bytes with a TTY) to {@code out} as it comes. */
    private static Runnable copy(DockerHttpClient.Response attached, PrintStream out) {
        return () -> {
            FrameReader frames = new FrameReader(attached.getBody());
            try {
                for (Frame frame; (frame = frames.readFrame()) != null; ) {
                    out.write(frame.getPayload(), 0, frame.getPayload().length);
                    out.flush();
                }
            } catch (IOException | RuntimeException ended) {
                // the attach connection was closed: the container ended or the bottle is being removed
            }
        };
    }

    private static String stty(String... args) {
        List<String> command = new ArrayList<>();
        command.add("stty");
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectInput(TTY).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
