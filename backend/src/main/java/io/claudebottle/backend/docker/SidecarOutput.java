package io.claudebottle.backend.docker;

import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.command.FrameReader;
import com.github.dockerjava.transport.DockerHttpClient;

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
    private final DockerHttpClient.Response stream;

    private SidecarOutput(EngineApi api, String container) {
        // from the start of the container's log, so a line printed before this call is not missed
        this.stream = api.stream(DockerHttpClient.Request.Method.GET,
                "/containers/" + container + "/logs?follow=1&stdout=1&stderr=0");
        Thread.ofVirtual().name("bottle-sidecar-output").start(() -> read(container));
    }

    static SidecarOutput follow(EngineApi api, String container) {
        return new SidecarOutput(api, container);
    }

    private void read(String container) {
        StringBuilder line = new StringBuilder();
        // not closed here: closing the body drains it, and a followed log ends only with the container;
        // close() discards the connection instead
        FrameReader frames = new FrameReader(stream.getBody());
        try {
            for (Frame frame; !ca.isDone() && (frame = frames.readFrame()) != null; ) {
                if (frame.getStreamType() != StreamType.STDOUT && frame.getStreamType() != StreamType.RAW) {
                    continue;
                }
                line.append(new String(frame.getPayload(), StandardCharsets.US_ASCII));
                for (int nl; (nl = line.indexOf("\n")) >= 0; ) {
                    CaAnnouncement.certificate(line.substring(0, nl)).ifPresent(ca::complete);
                    line.delete(0, nl + 1);
                }
            }
            ca.completeExceptionally(new IllegalStateException("the output of " + container
                    + " ended without the bottle CA certificate"));
        } catch (IOException | RuntimeException e) {
            ca.completeExceptionally(e);
        }
    }

    /** The announced certificate (PEM). */
    CompletableFuture<String> caCertificate() {
        return ca;
    }

    /** Stops following; the certificate future fails if it is not complete yet. */
    @Override
    public void close() {
        stream.close();
        ca.completeExceptionally(new IllegalStateException("stopped following the sidecar's output"));
    }
}
