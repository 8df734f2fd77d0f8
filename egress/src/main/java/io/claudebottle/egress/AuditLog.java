package io.claudebottle.egress;

import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bottle's audit log: one JSON object per line, shared by every sidecar service.
 *
 * <p>Thread-safe; each {@link #write} is one complete line, flushed before it returns, so a
 * killed sidecar never leaves half a decision. Callers pass only redacted values: a secret must
 * never reach this class (log the rule id and the finding's redacted excerpt, never a header or
 * query value). Every line gets {@code ts} and {@code service} first.
 */
public final class AuditLog implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final OutputStream out;
    private final boolean ownsStream;

    private AuditLog(OutputStream out, boolean ownsStream) {
        this.out = out;
        this.ownsStream = ownsStream;
    }

    /** Appends to {@code file}, creating it and its parent directory if needed. */
    public static AuditLog appendingTo(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            return new AuditLog(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open audit log " + file + ": " + e.getMessage()
                    + " (check the \"auditLog\" path in the sidecar config)", e);
        }
    }

    /** Writes to a stream the caller owns (tests, stdout). */
    public static AuditLog to(OutputStream out) {
        return new AuditLog(out, false);
    }

    /** A log that drops everything. */
    public static AuditLog discarding() {
        return new AuditLog(OutputStream.nullOutputStream(), false);
    }

    /** Writes one decision of {@code service}; {@code fields} keep their iteration order. */
    public void write(String service, Map<String, ?> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", Instant.now().toString());
        line.put("service", service);
        line.putAll(fields);
        byte[] json = JSON.writeValueAsBytes(line); // UTF-8
        byte[] bytes = java.util.Arrays.copyOf(json, json.length + 1);
        bytes[json.length] = '\n';
        synchronized (this) {
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                // Losing an audit line must not take the proxy down; stderr is the sidecar's log.
                System.err.println("audit: cannot write: " + e.getMessage());
            }
        }
    }

    @Override
    public synchronized void close() {
        if (!ownsStream) return;
        try {
            out.close();
        } catch (IOException e) {
            System.err.println("audit: cannot close: " + e.getMessage());
        }
    }
}
