package io.claudebottle.backend.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * SHA-256 over named inputs, for image tags. File digests are remembered by (path, size, mtime) in
 * a small cache file so that a warm start does not re-read a 250 MB binary.
 */
final class ContentHash {

    private final MessageDigest digest = sha256();
    private final Path cacheFile;
    private Properties cache;

    ContentHash(Path cacheFile) {
        this.cacheFile = cacheFile;
    }

    ContentHash add(String name, String value) {
        update(name);
        update(value);
        return this;
    }

    ContentHash add(String name, byte[] value) {
        update(name);
        digest.update(HexFormat.of().formatHex(sha256().digest(value)).getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Adds a file, or every regular file under a directory (relative names and contents). */
    ContentHash addPath(String name, Path path) {
        if (Files.isDirectory(path)) {
            try (Stream<Path> files = Files.walk(path)) {
                List<Path> sorted = files.filter(Files::isRegularFile).sorted().toList();
                for (Path file : sorted) {
                    add(name + "/" + path.relativize(file), fileDigest(file));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + path, e);
            }
        } else {
            add(name, fileDigest(path));
        }
        return this;
    }

    /** The first 16 hex digits: enough to tell inputs apart, short enough for a tag. */
    String tag() {
        return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    }

    String fileDigest(Path file) {
        try {
            var attrs = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
            String key = file.toAbsolutePath() + "|" + attrs.size() + "|" + attrs.lastModifiedTime().toMillis();
            if (cache == null) {
                cache = loadCache(); // once per hash: a sidecar class path has dozens of jars
            }
            String cached = cache.getProperty(key);
            if (cached != null) {
                return cached;
            }
            MessageDigest md = sha256();
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    md.update(buffer, 0, n);
                }
            }
            String hex = HexFormat.of().formatHex(md.digest());
            // every file is remembered (a warm start re-reads none of the sidecar's jars); stale
            // keys of rebuilt jars are dropped so that the file does not grow without bound
            String prefix = file.toAbsolutePath() + "|";
            cache.stringPropertyNames().stream().filter(k -> k.startsWith(prefix)).forEach(cache::remove);
            cache.setProperty(key, hex);
            storeCache(cache);
            return hex;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private void update(String s) {
        digest.update(s.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
    }

    private Properties loadCache() {
        Properties p = new Properties();
        if (cacheFile != null && Files.isRegularFile(cacheFile)) {
            try (InputStream in = Files.newInputStream(cacheFile)) {
                p.load(in);
            } catch (IOException | IllegalArgumentException e) {
                // a damaged cache only costs a re-hash
            }
        }
        return p;
    }

    private void storeCache(Properties cache) {
        if (cacheFile == null) {
            return;
        }
        try {
            Files.createDirectories(cacheFile.getParent());
            Path tmp = Files.createTempFile(cacheFile.getParent(), "digests", ".tmp");
            try (var out = Files.newOutputStream(tmp)) {
                cache.store(out, "claude-bottle file digests: path|size|mtime=sha256");
            }
            Files.move(tmp, cacheFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // a cache that cannot be written only costs a re-hash next time
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
