package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import io.claudebottle.backend.BackendException;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Attaches the user's terminal to the agent's TTY: raw mode (so Ctrl-C and friends reach
 * {@code claude}), the window size followed (polled: the JDK has no public SIGWINCH hook), and the
 * terminal restored afterwards
 * even when the launcher is being shut down.
 */
final class TerminalAttach {

    private static final File TTY = new File("/dev/tty");
    private final DockerClient docker;
    private final String container;
    private final Runnable start;

    /** {@code start} starts the container once the terminal is attached to it. */
    TerminalAttach(DockerClient docker, String container, Runnable start) {
        this.docker = docker;
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
        var callback = new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
                out.write(frame.getPayload(), 0, frame.getPayload().length);
                out.flush();
            }
        };
        try {
            if (tty) {
                Runtime.getRuntime().addShutdownHook(restore);
                stty("raw", "-echo");
            }
            docker.attachContainerCmd(container).withStdIn(System.in).withStdOut(true).withStdErr(true)
                    .withFollowStream(true).exec(callback).awaitStarted(30, TimeUnit.SECONDS);
            start.run();
            Thread resizer = tty ? Thread.ofVirtual().name("bottle-tty-resize").start(this::followSize) : null;
            Integer code = docker.waitContainerCmd(container).start().awaitStatusCode();
            if (resizer != null) {
                resizer.interrupt();
            }
            callback.awaitCompletion(2, TimeUnit.SECONDS);
            return code == null ? -1 : code;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while attached to " + container, e);
        } finally {
            try {
                callback.close();
            } catch (IOException ignored) {
                // the stream is finished either way
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
                    docker.resizeContainerCmd(container).withSize(Integer.parseInt(rc[0]), Integer.parseInt(rc[1])).exec();
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
