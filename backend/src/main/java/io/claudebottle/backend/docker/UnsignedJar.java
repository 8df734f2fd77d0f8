package io.claudebottle.backend.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The sidecar image's copy of a signed jar (BouncyCastle, JGit), without its signature files. The
 * JDK's AOT cache skips every class of a signed jar, and loading them verifies the jar's signature
 * on each start: for BouncyCastle that was seconds of a bottle's start. The signatures protect
 * nothing here: a class path jar's signer is not checked against any trust anchor, and the jar is
 * the one Maven resolved (and checksummed) for this build.
 */
final class UnsignedJar {

    private UnsignedJar() {
    }

    /** Writes {@code jar} without its signature files to {@code to} and returns true, or returns false if it is not signed. */
    static boolean copyIfSigned(Path jar, Path to) throws IOException {
        if (!jar.getFileName().toString().endsWith(".jar")) {
            return false;
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            if (zip.stream().noneMatch(e -> isSignatureFile(e.getName()))) {
                return false;
            }
            try (OutputStream file = Files.newOutputStream(to); ZipOutputStream out = new ZipOutputStream(file)) {
                for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                    if (isSignatureFile(entry.getName())) {
                        continue;
                    }
                    ZipEntry copy = new ZipEntry(entry.getName());
                    copy.setTime(entry.getTime());
                    out.putNextEntry(copy);
                    try (InputStream in = zip.getInputStream(entry)) {
                        in.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
            return true;
        } catch (java.util.zip.ZipException e) {
            throw new IOException(jar + " is not a readable jar: " + e.getMessage(), e);
        }
    }

    /** {@code META-INF/X.SF}, {@code .RSA}, {@code .DSA}, {@code .EC} and {@code SIG-*}: what makes the JDK treat a jar as signed. */
    static boolean isSignatureFile(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        if (!upper.startsWith("META-INF/") || upper.indexOf('/', "META-INF/".length()) >= 0) {
            return false;
        }
        String file = upper.substring("META-INF/".length());
        return file.endsWith(".SF") || file.endsWith(".RSA") || file.endsWith(".DSA") || file.endsWith(".EC")
                || file.startsWith("SIG-");
    }
}
