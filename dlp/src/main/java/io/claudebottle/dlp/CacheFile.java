package io.claudebottle.dlp;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * A file of the DLP engine's caches ({@link DatabaseCache}, {@link RuleCache}): a format tag, the
 * key the file is named by, the payload, then a checksum of all that. A missing, oversized,
 * corrupt or foreign file reads as absent. Writes are atomic (readers see the old file or the
 * whole new one) and world-readable: the cached rules are public, nothing secret, and a sidecar
 * running as another user may read an image's cache. A cache that cannot be read or written only
 * costs time, so nothing here throws.
 */
final class CacheFile {
    static final int CHECKSUM_BYTES = 8;

    private CacheFile() {
    }

    /** Writes a payload after the tag and the key. */
    @FunctionalInterface
    interface Payload {
        void writeTo(DataOutputStream out) throws IOException;
    }

    /** The payload of {@code file} if it checks out under {@code tag} and {@code key}, else null. */
    static DataInputStream read(Path file, long maxBytes, byte[] tag, String key) {
        byte[] bytes;
        try {
            if (!Files.isRegularFile(file) || Files.size(file) > maxBytes) return null;
            bytes = Files.readAllBytes(file);
        } catch (IOException | SecurityException e) {
            return null;
        }
        int bodyLength = bytes.length - CHECKSUM_BYTES;
        if (bodyLength < tag.length || !Arrays.equals(bytes, bodyLength, bytes.length, checksum(bytes, bodyLength), 0, CHECKSUM_BYTES)) {
            return null;
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 0, bodyLength));
        try {
            return Arrays.equals(in.readNBytes(tag.length), tag) && key.equals(in.readUTF()) ? in : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes {@code file} (tag, key, payload, checksum); failures are ignored. */
    static void write(Path file, byte[] tag, String key, int sizeHint, Payload payload) {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(sizeHint);
            try (DataOutputStream out = new DataOutputStream(buf)) {
                out.write(tag);
                out.writeUTF(key);
                payload.writeTo(out);
            }
            byte[] body = buf.toByteArray();
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, key, ".tmp");
            try {
                Files.write(tmp, body);
                Files.write(tmp, checksum(body, body.length), StandardOpenOption.APPEND);
                try {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: the default permissions stay
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | RuntimeException e) {
            // an unwritable cache only costs the next start the work it would have saved
        }
    }

    /** CRC-32 (native even before the JIT warms up, unlike SHA-256 that took 100+ ms cold on 1 MB). */
    static byte[] checksum(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return java.nio.ByteBuffer.allocate(CHECKSUM_BYTES).putLong(crc.getValue()).array();
    }
}
