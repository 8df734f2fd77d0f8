package io.claudebottle.egress;

import tools.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
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
 * <p>Thread-safe; each {@link #write} hands one complete line to the file in one write call before
 * it returns (not fsynced), so a killed sidecar never leaves half a decision; {@link #writeLines}
 * does the same for several lines. Callers pass only redacted values: a secret must never reach
 * this class (log the rule id and the finding's redacted excerpt, never a header or query value).
 * Every line gets {@code ts} and {@code service} first.
 *
 * <p>A line that cannot be written (the bottle's audit tmpfs is full, say) is counted, and
 * {@link #writable()} turns false until a write succeeds again: the egress proxy then refuses
 * requests rather than decide without a record. The first line written after such a gap says how
 * many were lost ({@code "service":"audit","event":"resumed","lost":N}).
 */
public final class AuditLog implements AutoCloseable {
    private final OutputStream out;
    private final boolean ownsStream;
    /** The last write failed; lines since then are counted in {@link #lost}. */
    private volatile boolean failing;
    private long lost;

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
        writeLines(line(service, fields), 1);
    }

    /**
     * Writes {@code count} complete lines made by {@link #line} in one write call: an event loop
     * records the decisions of one pass over its connections together.
     */
    void writeLines(byte[] lines, int count) {
        synchronized (this) {
            if (failing && !resume()) {
                lost += count;
                return;
            }
            if (!append(lines)) lost = count;
        }
    }

    /**
     * Whether lines reach the log. After a failed write this tries once more, by writing the
     * "resumed" line that records the gap; false while that fails too.
     */
    public boolean writable() {
        if (!failing) return true;
        synchronized (this) {
            return !failing || resume();
        }
    }

    /** Writes the line recording how many lines were lost; on success the log is writable again. */
    private boolean resume() {
        Map<String, Object> gap = new LinkedHashMap<>();
        gap.put("event", "resumed");
        gap.put("lost", lost);
        if (!append(line("audit", gap))) return false;
        lost = 0;
        return true;
    }

    /** One write call (a line is never interleaved or split by another writer); false if it failed. */
    private boolean append(byte[] line) {
        try {
            out.write(line);
            out.flush();
            failing = false;
            return true;
        } catch (IOException e) {
            // Losing an audit line must not take the proxy down; stderr is the sidecar's log.
            if (!failing) System.err.println("audit: cannot write (requests are refused until it can): " + e.getMessage());
            failing = true;
            return false;
        }
    }

    /** One JSON line, {@code ts} and {@code service} first, ending in a newline. */
    static byte[] line(String service, Map<String, ?> fields) {
        // Straight to a generator, not through a Map copy and databind: this runs once per proxied
        // request on an event loop (it was about a tenth of the proxy's CPU per small request).
        ByteArrayOutputStream line = new ByteArrayOutputStream(320);
        try (JsonGenerator g = PlainJson.generator(line)) {
            g.writeStartObject();
            g.writeName("ts");
            if (fields.containsKey("ts")) PlainJson.write(g, fields.get("ts"));
            else g.writeString(Timestamps.now());
            g.writeName("service");
            if (fields.containsKey("service")) PlainJson.write(g, fields.get("service"));
            else g.writeString(service);
            for (Map.Entry<String, ?> f : fields.entrySet()) {
                if (f.getKey().equals("ts") || f.getKey().equals("service")) continue;
                g.writeName(f.getKey());
                PlainJson.write(g, f.getValue());
            }
            g.writeEndObject();
        }
        line.write('\n');
        return line.toByteArray();
    }

    /** {@link Instant#toString()} of the current time, with the seconds part formatted once per second. */
    static final class Timestamps {
        private record Second(long epochSecond, String prefix) {}

        private static volatile Second last = new Second(Long.MIN_VALUE, "");

        private Timestamps() {}

        static String now() {
            return format(Instant.now());
        }

        static String format(Instant t) {
            Second s = last;
            if (s.epochSecond != t.getEpochSecond()) {
                String whole = Instant.ofEpochSecond(t.getEpochSecond()).toString(); // ...:ssZ
                if (!whole.endsWith("Z")) return t.toString();
                last = s = new Second(t.getEpochSecond(), whole.substring(0, whole.length() - 1));
            }
            int nano = t.getNano();
            if (nano == 0) return s.prefix + "Z";
            StringBuilder b = new StringBuilder(s.prefix.length() + 11).append(s.prefix).append('.');
            int digits = nano % 1_000_000 == 0 ? 3 : nano % 1000 == 0 ? 6 : 9;
            int value = digits == 3 ? nano / 1_000_000 : digits == 6 ? nano / 1000 : nano;
            String v = Integer.toString(value);
            b.repeat('0', digits - v.length()).append(v);
            return b.append('Z').toString();
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
