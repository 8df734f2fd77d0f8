package io.claudebottle.egress;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The audit records of one event loop's pass over its ready connections, written to the log in
 * one call when the pass ends; only then does each exchange go on (its response's last bytes are
 * sent), so a client never holds a whole response whose decision is not in the log. One write per
 * pass instead of one per request also keeps the loops from queueing on the log's lock (four
 * loops waited on it about every other request, parking and waking each other).
 */
final class AuditBatches {
    private final AuditLog log;
    private final FastThreadLocal<Batch> perLoop = new FastThreadLocal<>() {
        @Override
        protected Batch initialValue() {
            return new Batch();
        }
    };

    AuditBatches(AuditLog log) {
        this.log = log;
    }

    /**
     * Records {@code fields} (an egress decision) with the other records of this pass of
     * {@code loop}, the caller's event loop, and runs {@code afterWritten} on it once they were
     * handed to the log (or counted as lost, when it cannot be written).
     */
    void record(EventExecutor loop, Map<String, ?> fields, Runnable afterWritten) {
        assert loop.inEventLoop();
        Batch batch = perLoop.get();
        batch.lines.writeBytes(AuditLog.line("egress", fields));
        batch.then.add(afterWritten);
        if (batch.then.size() == 1) loop.execute(batch::write); // runs after the loop's pending I/O events
    }

    private final class Batch {
        private final ByteArrayOutputStream lines = new ByteArrayOutputStream(4096);
        private final List<Runnable> then = new ArrayList<>();

        void write() {
            List<Runnable> continuations = List.copyOf(then);
            then.clear();
            log.writeLines(lines.toByteArray(), continuations.size());
            lines.reset();
            RuntimeException first = null;
            for (Runnable next : continuations) {
                try {
                    next.run();
                } catch (RuntimeException e) { // one broken exchange must not stall the others
                    if (first == null) first = e;
                }
            }
            if (first != null) throw first;
        }
    }
}
