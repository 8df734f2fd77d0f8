package io.claudebottle.dlp;

import com.gliwka.hyperscan.jni.hs_database_t;
import com.gliwka.hyperscan.jni.hs_platform_info_t;
import com.gliwka.hyperscan.jni.hs_scratch_t;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static com.gliwka.hyperscan.jni.hyperscan.HS_SUCCESS;
import static com.gliwka.hyperscan.jni.hyperscan.hs_alloc_scratch;
import static com.gliwka.hyperscan.jni.hyperscan.hs_deserialize_database;
import static com.gliwka.hyperscan.jni.hyperscan.hs_free_database;
import static com.gliwka.hyperscan.jni.hyperscan.hs_free_scratch;
import static com.gliwka.hyperscan.jni.hyperscan.hs_populate_platform;
import static com.gliwka.hyperscan.jni.hyperscan.hs_serialize_database;
import static com.gliwka.hyperscan.jni.hyperscan.hs_version;

/**
 * Compiled Hyperscan databases kept on disk, so that a warm start skips the multi-second compile.
 * A file is named by a hash of everything the compiled bytes depend on (rules, flags, library
 * version, CPU features) and carries its own checksum: a corrupt, truncated or foreign file is
 * ignored and rewritten, never handed to the native library unchecked.
 *
 * <p>Directory: system property {@code bottle.dlp.cacheDir}, else {@code $XDG_CACHE_HOME/claude-bottle/dlp},
 * else {@code ~/.cache/claude-bottle/dlp}. If it cannot be written the database is just compiled.
 */
final class DatabaseCache {
    private static final byte[] MAGIC = "claude-bottle hyperscan db v1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_FILE_BYTES = 256 << 20;

    /** A compiled database and the rules Hyperscan refused (id to reason). */
    record Entry(hs_database_t database, Map<String, String> rejected) {}

    private final Path dir;

    DatabaseCache(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** The cache in the configured directory, or null when no directory can be determined. */
    static DatabaseCache configured() {
        String explicit = System.getProperty("bottle.dlp.cacheDir");
        if (explicit != null) return explicit.isBlank() ? null : new DatabaseCache(Path.of(explicit));
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) return new DatabaseCache(Path.of(xdg, "claude-bottle", "dlp"));
        String home = System.getProperty("user.home");
        if (home == null || home.isBlank() || home.equals("?")) return null;
        return new DatabaseCache(Path.of(home, ".cache", "claude-bottle", "dlp"));
    }

    /** The cache key of a rule set compiled with these per-expression flags and mode. */
    static String key(List<CompiledRule> rules, int flags, int mode) {
        MessageDigest sha = sha256();
        try (hs_platform_info_t platform = new hs_platform_info_t()) {
            String cpu = hs_populate_platform(platform) == HS_SUCCESS ? platform.tune() + "/" + platform.cpu_features() : "unknown";
            update(sha, "hyperscan " + hs_version().getString() + "\ncpu " + cpu + "\nflags " + flags + " mode " + mode + "\n");
        }
        for (CompiledRule r : rules) update(sha, r.index() + "\u0000" + r.rule().id() + "\u0000" + r.rule().regex() + "\n");
        return HexFormat.of().formatHex(sha.digest());
    }

    Path file(String key) {
        return dir.resolve(key + ".hsdb");
    }

    /** The cached database for {@code key}, or null when there is none that checks out. */
    Entry load(String key) {
        try (DataInputStream in = CacheFile.read(file(key), MAX_FILE_BYTES, MAGIC, key)) {
            if (in == null) return null;
            Map<String, String> rejected = new TreeMap<>();
            for (int i = in.readInt(); i > 0; i--) rejected.put(in.readUTF(), in.readUTF());
            int size = in.readInt();
            if (size <= 0 || size != in.available()) return null;
            byte[] serialized = in.readNBytes(size);
            hs_database_t db = deserialize(serialized);
            return db == null ? null : new Entry(db, rejected);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Writes the entry (atomically: readers see the old file or the whole new one); failures are ignored. */
    void store(String key, Entry entry) {
        byte[] serialized = serialize(entry.database());
        if (serialized == null) return;
        CacheFile.write(file(key), MAGIC, key, serialized.length + 4096, out -> {
            out.writeInt(entry.rejected().size());
            for (Map.Entry<String, String> e : entry.rejected().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
            out.writeInt(serialized.length);
            out.write(serialized);
        });
    }

    private static byte[] serialize(hs_database_t db) {
        try (PointerPointer<BytePointer> out = new PointerPointer<>(1); SizeTPointer length = new SizeTPointer(1)) {
            if (hs_serialize_database(db, out, length) != HS_SUCCESS) return null;
            BytePointer bytes = out.get(BytePointer.class);
            try {
                byte[] copy = new byte[Math.toIntExact(length.get())];
                bytes.capacity(copy.length).get(copy);
                return copy;
            } finally {
                Pointer.free(bytes); // allocated by Hyperscan with malloc
            }
        }
    }

    /** The database, or null if Hyperscan rejects the bytes or cannot scan with them on this machine. */
    private static hs_database_t deserialize(byte[] serialized) {
        try (BytePointer in = new BytePointer(serialized.length); PointerPointer<hs_database_t> out = new PointerPointer<>(1)) {
            in.put(serialized);
            if (hs_deserialize_database(in, serialized.length, out) != HS_SUCCESS) return null;
            hs_database_t db = out.get(hs_database_t.class);
            hs_scratch_t scratch = new hs_scratch_t();
            if (hs_alloc_scratch(db, scratch) != HS_SUCCESS) { // also checks the database's platform and mode
                hs_free_database(db);
                return null;
            }
            hs_free_scratch(scratch);
            return db;
        }
    }

    private static void update(MessageDigest sha, String s) {
        sha.update(s.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
