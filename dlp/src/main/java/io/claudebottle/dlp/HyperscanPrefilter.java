package io.claudebottle.dlp;

import com.gliwka.hyperscan.jni.hs_compile_error_t;
import com.gliwka.hyperscan.jni.hs_database_t;
import com.gliwka.hyperscan.jni.hs_scratch_t;
import com.gliwka.hyperscan.jni.match_event_handler;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static com.gliwka.hyperscan.jni.hyperscan.HS_FLAG_PREFILTER;
import static com.gliwka.hyperscan.jni.hyperscan.HS_MODE_BLOCK;
import static com.gliwka.hyperscan.jni.hyperscan.HS_SCAN_TERMINATED;
import static com.gliwka.hyperscan.jni.hyperscan.HS_SUCCESS;
import static com.gliwka.hyperscan.jni.hyperscan.hs_alloc_scratch;
import static com.gliwka.hyperscan.jni.hyperscan.hs_compile_multi;
import static com.gliwka.hyperscan.jni.hyperscan.hs_free_compile_error;
import static com.gliwka.hyperscan.jni.hyperscan.hs_scan;
import static com.gliwka.hyperscan.jni.hyperscan.hs_valid_platform;

/**
 * The fast prefilter: every rule compiled into one Hyperscan block-mode database in PREFILTER mode
 * (a superset of the RE2 semantics, end offsets only, so rules that Hyperscan cannot compile with
 * start-of-match still compile). Text is handed over as one byte per char (chars above 0xFF become
 * '?'), so byte offsets are char offsets. Rules Hyperscan rejects anyway fall back to keywords.
 */
final class HyperscanPrefilter implements Prefilter {
    private static final int KEEP_BUFFER_BYTES = 4 << 20;
    /**
     * A prefilter match is reported at every end offset, so hostile text (a keyword repeated a
     * million times) can raise a storm of callbacks, each crossing JNI. Past this many, the scan
     * stops and the keyword prefilter covers the rest of the text.
     */
    static final int MAX_CALLBACKS = 20_000;

    private final hs_database_t database;
    private final KeywordPrefilter leftovers;
    private final KeywordPrefilter keywords;
    private final Map<String, String> rejected;
    /**
     * Scratch space is per concurrent scan, not per thread: a pool, so that short-lived (virtual)
     * threads do not each leave native scratch behind.
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<ThreadState> idle = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private HyperscanPrefilter(hs_database_t database, KeywordPrefilter leftovers, KeywordPrefilter keywords,
                               Map<String, String> rejected) {
        this.database = database;
        this.leftovers = leftovers;
        this.keywords = keywords;
        this.rejected = rejected;
    }

    /** Why the native library is unusable here, or null when it works. */
    static String unavailableReason() {
        return Native.REASON;
    }

    private static final class Native {
        static final String REASON = probe();

        private static String probe() {
            // JavaCPP refuses native allocations once the process RSS passes 2x -Xmx by default;
            // a small-heap sidecar would then fail scans under load. Memory is bounded by our own
            // limits (body buffer, scratch pool), so lift JavaCPP's guess unless the user set one.
            if (System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes") == null) {
                System.setProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0");
            }
            try {
                return hs_valid_platform() == HS_SUCCESS ? null : "this CPU lacks the instructions Hyperscan needs (SSSE3)";
            } catch (Throwable t) {
                return "the Hyperscan native library did not load: " + t;
            }
        }
    }

    static HyperscanPrefilter compile(List<CompiledRule> rules) {
        return compile(rules, DatabaseCache.configured());
    }

    /** {@code cache}: where compiled databases are kept between runs, or null to always compile. */
    static HyperscanPrefilter compile(List<CompiledRule> rules, DatabaseCache cache) {
        if (Native.REASON != null) throw new IllegalStateException(Native.REASON);
        String key = cache == null ? null : DatabaseCache.key(rules, HS_FLAG_PREFILTER, HS_MODE_BLOCK);
        DatabaseCache.Entry entry = key == null ? null : cache.load(key);
        if (entry == null) {
            entry = compileDatabase(rules);
            if (key != null && entry.database() != null) cache.store(key, entry);
        }
        Map<String, String> rejected = entry.rejected();
        return new HyperscanPrefilter(entry.database(), new KeywordPrefilter(rejectedRules(rules, rejected)),
                new KeywordPrefilter(rules), rejected);
    }

    /** Compiles every rule Hyperscan accepts into one database (null if it accepts none). */
    private static DatabaseCache.Entry compileDatabase(List<CompiledRule> rules) {
        List<CompiledRule> pending = new ArrayList<>(rules);
        Map<String, String> rejected = new TreeMap<>();
        while (true) {
            if (pending.isEmpty()) return new DatabaseCache.Entry(null, rejected);
            int n = pending.size();
            try (PointerPointer<BytePointer> expressions = new PointerPointer<>(n);
                 IntPointer flags = new IntPointer(n);
                 IntPointer ids = new IntPointer(n);
                 PointerPointer<hs_database_t> db = new PointerPointer<>(1);
                 PointerPointer<hs_compile_error_t> error = new PointerPointer<>(1)) {
                List<BytePointer> keep = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    BytePointer p = new BytePointer(pending.get(i).rule().regex(), StandardCharsets.UTF_8);
                    keep.add(p);
                    expressions.put(i, p);
                    flags.put(i, HS_FLAG_PREFILTER);
                    ids.put(i, pending.get(i).index());
                }
                int rc = hs_compile_multi(expressions, flags, ids, n, HS_MODE_BLOCK, null, db, error);
                if (rc == HS_SUCCESS) {
                    keep.forEach(Pointer::close);
                    return new DatabaseCache.Entry(db.get(hs_database_t.class), rejected);
                }
                hs_compile_error_t err = error.get(hs_compile_error_t.class);
                int bad = err.expression();
                String message = err.message().getString();
                hs_free_compile_error(err);
                keep.forEach(Pointer::close);
                if (bad < 0 || bad >= n) throw new IllegalStateException("Hyperscan could not compile the rule set: " + message);
                rejected.put(pending.get(bad).rule().id(), message);
                pending.remove(bad);
            }
        }
    }

    private static List<CompiledRule> rejectedRules(List<CompiledRule> rules, Map<String, String> rejected) {
        return rules.stream().filter(r -> rejected.containsKey(r.rule().id())).toList();
    }

    /** The keyword prefilter over every rule. */
    KeywordPrefilter allKeywords() {
        return keywords;
    }

    /** Rules that Hyperscan refused, with its reason; they are prefiltered by keyword instead. */
    Map<String, String> rejected() {
        return rejected;
    }

    @Override
    public void scan(String text, Sink sink) {
        scan(text, null, sink);
    }

    @Override
    public void scan(String text, byte[] ascii, Sink sink) {
        if (database != null && !text.isEmpty()) {
            byte[] bytes = ascii != null ? ascii : LayeredScan.oneBytePerChar(text);
            ThreadState state = idle.poll();
            if (state == null) state = new ThreadState(database);
            int stoppedAt;
            try {
                stoppedAt = state.run(bytes, sink);
            } finally {
                idle.offer(state);
            }
            if (stoppedAt >= 0) {
                keywords.scan(text, stoppedAt, sink);
                return;
            }
        }
        if (!leftovers.isEmpty()) leftovers.scan(text, 0, sink);
    }

    @Override
    public String name() {
        return "hyperscan";
    }

    /** Scratch space, input buffer and callback for one scan at a time (Hyperscan scratch is not shareable). */
    private static final class ThreadState {
        private final hs_scratch_t scratch = new hs_scratch_t();
        private final Handler handler = new Handler();
        private final IntPointer context = new IntPointer(1); // its address identifies this state
        private final hs_database_t database;
        private final HyperscanDirect.Scan direct;
        private BytePointer buffer;

        ThreadState(hs_database_t database) {
            this.database = database;
            int rc = hs_alloc_scratch(database, scratch);
            if (rc != HS_SUCCESS) throw new IllegalStateException("Hyperscan could not allocate scratch space (error " + rc + ")");
            HANDLERS.put(context.address(), handler);
            direct = HyperscanDirect.available() ? new HyperscanDirect.Scan(handler::hit) : null;
        }

        /** Returns -1 when the scan completed, else the offset from which it was abandoned. */
        int run(byte[] bytes, Sink sink) {
            if (direct != null) {
                handler.sink = sink;
                handler.calls = 0;
                handler.lastEnd = 0;
                try {
                    return outcome(direct.run(database.address(), scratch.address(), bytes, KEEP_BUFFER_BYTES));
                } finally {
                    handler.sink = null;
                }
            }
            if (buffer == null || buffer.capacity() < bytes.length) {
                // Forget the old buffer before freeing it: if the new allocation throws (JavaCPP's
                // native-memory cap), a later scan must not write into freed memory.
                BytePointer old = buffer;
                buffer = null;
                if (old != null) old.close();
                buffer = new BytePointer(Math.max(bytes.length, 64 * 1024));
            }
            buffer.position(0).put(bytes, 0, bytes.length);
            handler.sink = sink;
            handler.calls = 0;
            handler.lastEnd = 0;
            try {
                return outcome(hs_scan(database, buffer, bytes.length, 0, scratch, DISPATCH, context));
            } finally {
                handler.sink = null;
                if (buffer != null && buffer.capacity() > KEEP_BUFFER_BYTES) {
                    buffer.close();
                    buffer = null;
                }
            }
        }

        private int outcome(int rc) {
            if (rc == HS_SCAN_TERMINATED) return Math.max(0, handler.lastEnd - RuleMatcher.WINDOW);
            if (rc != HS_SUCCESS) throw new IllegalStateException("Hyperscan scan failed (error " + rc + ")");
            return -1;
        }
    }

    /*
     * JavaCPP backs each match_event_handler instance with one of a small, fixed number of native
     * trampolines; allocating one per scan state crashed the JVM (SIGSEGV in allocate()) once many
     * scans ran at once. So there is exactly one callback, and the scan state is found from the
     * context pointer's address, which works whatever thread the upcall arrives on.
     */
    private static final java.util.concurrent.ConcurrentHashMap<Long, Handler> HANDLERS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final match_event_handler DISPATCH = new match_event_handler() {
        @Override
        public int call(int id, long from, long to, int flags, Pointer context) {
            Handler handler = HANDLERS.get(context.address());
            return handler == null ? 1 : handler.hit(id, to);
        }
    };

    private static final class Handler {
        Sink sink;
        int calls;
        int lastEnd;

        int hit(int id, long to) {
            int last = (int) to - 1;
            sink.hit(id, last, last);
            lastEnd = last;
            return ++calls > MAX_CALLBACKS ? 1 : 0;
        }
    }
}
