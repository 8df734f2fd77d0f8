package io.claudebottle.backend.docker;

import io.netty.util.internal.PlatformDependent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Netty's native libraries for this machine (its BoringSSL build and its epoll transport), taken out
 * of their jars into the sidecar image at build time. Netty looks for a library on
 * {@code java.library.path} before it unpacks its own copy from the jar into a temporary file,
 * which a sidecar would otherwise do at every start.
 */
final class NettyNatives {
    private static final String NATIVE_HOME = "META-INF/native/";

    private NettyNatives() {
    }

    /** Unpacks, from the jars of {@code classpath}, each of Netty's libraries for this OS and CPU into {@code dir}. */
    static List<Path> unpack(List<Path> classpath, Path dir) throws IOException {
        // libnetty_tcnative_linux_x86_64.so, libnetty_transport_native_epoll_x86_64.so: the CPU is in
        // every name, the OS only in some; ".so" leaves out macOS's and Windows' libraries.
        String suffix = "_" + PlatformDependent.normalizedArch() + ".so";
        List<Path> unpacked = new ArrayList<>();
        for (Path jar : classpath) {
            if (!Files.isRegularFile(jar) || !jar.getFileName().toString().endsWith(".jar")) {
                continue;
            }
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                for (ZipEntry entry : zip.stream().toList()) {
                    String name = entry.getName();
                    if (entry.isDirectory() || !name.startsWith(NATIVE_HOME + "libnetty_") || !name.endsWith(suffix)
                            || name.indexOf('/', NATIVE_HOME.length()) >= 0) {
                        continue;
                    }
                    Path target = Files.createDirectories(dir).resolve(name.substring(NATIVE_HOME.length()));
                    try (InputStream in = zip.getInputStream(entry)) {
                        Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                    unpacked.add(target);
                }
            }
        }
        return unpacked;
    }
}
