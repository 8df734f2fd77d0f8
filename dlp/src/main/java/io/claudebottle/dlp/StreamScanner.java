package io.claudebottle.dlp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Streaming scan: each chunk is scanned together with the last {@link #CARRY} bytes before it, so
 * a secret up to that long that straddles a boundary is seen whole. Memory is the carry plus one
 * chunk. A finding is reported once, identified by rule and absolute offset.
 */
final class StreamScanner implements StreamScan {
    static final int CARRY = 8192;

    private final DlpEngine engine;
    private byte[] carry = new byte[0];
    private long carryStart;   // absolute byte offset of carry[0]
    private int carryLine;     // 0-based line number at carry[0]
    private final Set<Long> reported = new HashSet<>();
    private final List<long[]> reportedOrder = new ArrayList<>();
    /**
     * One matching budget for the whole stream, growing with each window: per-call budgets would
     * give every small chunk the fixed allowance again, and a hostile stream in 8 KiB chunks many
     * times the work of the same bytes scanned at once.
     */
    private final ScanBudget budget = ScanBudget.forInput(0);

    StreamScanner(DlpEngine engine) {
        this.engine = engine;
    }

    @Override
    public List<Finding> update(byte[] chunk, int offset, int length) {
        if (length <= 0 || budget.exhausted()) return List.of(); // an exhausted stream was reported unscannable already
        byte[] window = Arrays.copyOf(carry, carry.length + length);
        System.arraycopy(chunk, offset, window, carry.length, length);
        String text = new String(window, StandardCharsets.UTF_8);
        budget.grant(text.length());
        List<Finding> found = engine.findings(text, budget);
        List<Finding> out = new ArrayList<>();
        if (!found.isEmpty()) {
            List<Finding> bytes = text.length() == window.length ? found : DlpEngine.toByteOffsets(text, found, 0);
            for (Finding f : bytes) {
                long absolute = carryStart + f.offset();
                long key = absolute * 31 + f.ruleId().hashCode();
                if (!reported.add(key)) continue;
                reportedOrder.add(new long[] {absolute, key});
                out.add(new Finding(f.ruleId(), f.excerpt(), absolute, carryLine + f.line(), f.path(), f.via()));
            }
        }
        advance(window);
        return out;
    }

    private void advance(byte[] window) {
        int keepFrom = Math.max(0, window.length - CARRY);
        while (keepFrom < window.length && (window[keepFrom] & 0xC0) == 0x80) keepFrom++; // start on a char boundary
        for (int i = 0; i < keepFrom; i++) if (window[i] == '\n') carryLine++;
        carryStart += keepFrom;
        carry = Arrays.copyOfRange(window, keepFrom, window.length);
        for (Iterator<long[]> it = reportedOrder.iterator(); it.hasNext(); ) {
            long[] r = it.next();
            if (r[0] >= carryStart) break;
            reported.remove(r[1]);
            it.remove();
        }
    }

    @Override
    public List<Finding> finish() {
        carry = new byte[0];
        return List.of();
    }
}
