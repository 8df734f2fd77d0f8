package io.claudebottle.dlp;

import com.gliwka.hyperscan.jni.hyperscan;
import org.bytedeco.javacpp.Loader;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code hs_scan} called through the FFM API instead of JavaCPP. Hyperscan in PREFILTER mode calls
 * back at every end offset of a possible match (a 100-char token under {@code [..]{20,}} is 80
 * calls); a JavaCPP callback costs microseconds (thread attach checks, JNI), an FFM upcall tens of
 * nanoseconds, which made the callbacks, not the matching, most of the native time. The database
 * and scratch still come from JavaCPP: only their addresses are used here. Null-safe: when the
 * symbol cannot be found, {@link #available()} is false and the JavaCPP path is used.
 */
final class HyperscanDirect {
    /** Receives one match; returns non-zero to stop the scan. */
    interface Handler {
        int hit(int id, long to);
    }

    private static final MethodHandle SCAN;
    private static final MemorySegment CALLBACK;
    private static final ConcurrentHashMap<Long, Handler> HANDLERS = new ConcurrentHashMap<>();

    static {
        MethodHandle scan = null;
        MemorySegment callback = null;
        try {
            Optional<MemorySegment> symbol = SymbolLookup.loaderLookup().find("hs_scan");
            if (symbol.isEmpty()) {
                String file = Loader.load(hyperscan.class);
                if (file != null) symbol = SymbolLookup.libraryLookup(Path.of(file), Arena.global()).find("hs_scan");
            }
            if (symbol.isPresent()) {
                Linker linker = Linker.nativeLinker();
                scan = linker.downcallHandle(symbol.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                MethodHandle onMatch = MethodHandles.lookup().findStatic(HyperscanDirect.class, "onMatch",
                        MethodType.methodType(int.class, int.class, long.class, long.class, int.class, MemorySegment.class));
                callback = linker.upcallStub(onMatch, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS), Arena.global());
            }
        } catch (Throwable t) {
            scan = null;
            callback = null;
        }
        SCAN = scan;
        CALLBACK = callback;
    }

    private HyperscanDirect() {}

    static boolean available() {
        return SCAN != null && CALLBACK != null && !Boolean.getBoolean("bottle.dlp.javacppScan");
    }

    /** A native input buffer and a context word whose address routes callbacks to {@code handler}. */
    static final class Scan implements AutoCloseable {
        private final Arena arena = Arena.ofShared();
        private final MemorySegment context = arena.allocate(8);
        private final Handler handler;
        private Arena bufferArena;
        private MemorySegment buffer;
        private Throwable failure;

        Scan(Handler handler) {
            this.handler = handler;
            HANDLERS.put(context.address(), this::guarded);
        }

        /** An exception must not unwind through native frames (the JVM would abort): keep it, stop the scan. */
        private int guarded(int id, long to) {
            try {
                return handler.hit(id, to);
            } catch (Throwable t) {
                failure = t;
                return 1;
            }
        }

        /** hs_scan's return code. */
        int run(long database, long scratch, byte[] bytes, int keepBufferBytes) {
            int n = bytes.length;
            if (buffer == null || buffer.byteSize() < n) {
                freeBuffer();
                bufferArena = Arena.ofShared();
                buffer = bufferArena.allocate(Math.max(n, 64 * 1024));
            }
            MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, 0, n);
            failure = null;
            try {
                int rc = (int) SCAN.invokeExact(MemorySegment.ofAddress(database), buffer, n, 0,
                        MemorySegment.ofAddress(scratch), CALLBACK, context);
                if (failure != null) throw failure instanceof RuntimeException r ? r
                        : failure instanceof Error e ? e : new IllegalStateException(failure);
                return rc;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("Hyperscan scan failed: " + t, t);
            } finally {
                if (buffer.byteSize() > keepBufferBytes) freeBuffer();
            }
        }

        private void freeBuffer() {
            if (bufferArena != null) bufferArena.close();
            bufferArena = null;
            buffer = null;
        }

        @Override
        public void close() {
            HANDLERS.remove(context.address());
            freeBuffer();
            arena.close();
        }
    }

    private static int onMatch(int id, long from, long to, int flags, MemorySegment context) {
        Handler h = HANDLERS.get(context.address());
        return h == null ? 1 : h.hit(id, to);
    }
}
