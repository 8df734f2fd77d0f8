package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Follows a started sidecar container's stdout for its {@link CaAnnouncement}. The certificate
 * completes {@link #caCertificate()}; output that ends without it (the sidecar exited, or the
 * stream broke) fails it, and the caller falls back to the sidecar's health and supervise endpoint.
 */
final class SidecarOutput implements Closeable {

    private final CompletableFuture<String> ca = new CompletableFuture<>();
    private final ResultCallback.Adapter<Frame> stream;

    private SidecarOutput(DockerClient docker, String container) {
        StringBuilder line = new StringBuilder();
        this.stream = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                if (ca.isDone() || frame.getStreamType() != StreamType.STDOUT) {
                    return;
                }
                line.append(new String(frame.getPayload(), StandardCharsets.US_ASCII));
                for (int nl; (nl = line.indexOf("\n")) >= 0; ) {
                    CaAnnouncement.certificate(line.substring(0, nl)).ifPresent(ca::complete);
                    line.delete(0, nl + 1);
                }
            }

            @Override
            public void onError(Throwable failure) {
                ca.completeExceptionally(failure);
                super.onError(failure);
            }

            @Override
            public void onComplete() {
                ca.completeExceptionally(new IllegalStateException("the output of " + container
                        + " ended without the bottle CA certificate"));
                super.onComplete();
            }
        };
        // from the start of the container's log, so a line printed before this call is not missed
        docker.logContainerCmd(container).withStdOut(true).withStdErr(false).withFollowStream(true).exec(stream);
    }

    static SidecarOutput follow(DockerClient docker, String container) {
        return new SidecarOutput(docker, container);
    }

    /** The announced certificate (PEM). */
    CompletableFuture<String> caCertificate() {
        return ca;
    }

    /** Stops following; the certificate future fails if it is not complete yet. */
    @Override
    public void close() {
        try {
            stream.close();
        } catch (IOException e) {
            // the stream is gone either way
        }
        ca.completeExceptionally(new IllegalStateException("stopped following the sidecar's output"));
    }
}
