package io.claudebottle.backend.docker;

import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class NettyNativesTest {

    @Test
    void unpacksOnlyThisMachinesLibrariesUnderTheNamesNettyAsksFor(@TempDir Path tmp) throws IOException {
        String arch = PlatformDependent.normalizedArch();
        String mine = "libnetty_tcnative_" + PlatformDependent.normalizedOs() + "_" + arch + ".so";
        String epoll = "libnetty_transport_native_epoll_" + arch + ".so";
        Path jar = jar(tmp.resolve("tcnative.jar"), "META-INF/native/" + mine, "META-INF/native/libnetty_tcnative_linux_s390x.so",
                "META-INF/native/libnetty_tcnative_osx_" + arch + ".jnilib", "META-INF/native/nested/" + mine,
                "META-INF/native/libother_" + arch + ".so", "io/netty/Foo.class");
        Path epollJar = jar(tmp.resolve("epoll.jar"), "META-INF/native/" + epoll);
        Path classes = Files.createDirectories(tmp.resolve("classes"));

        List<Path> unpacked = NettyNatives.unpack(List.of(jar, classes, epollJar), tmp.resolve("native"));

        assertThat(unpacked).containsExactly(tmp.resolve("native").resolve(mine), tmp.resolve("native").resolve(epoll));
        assertThat(Files.readString(unpacked.getFirst())).isEqualTo("META-INF/native/" + mine);
    }

    @Test
    void theBuildsOwnClassPathHoldsBoringSslAndEpollForThisMachine(@TempDir Path tmp) throws IOException {
        List<Path> classpath = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(Path::of).toList();
        assertThat(NettyNatives.unpack(classpath, tmp)).extracting(p -> p.getFileName().toString())
                .anyMatch(name -> name.startsWith("libnetty_tcnative_"))
                .anyMatch(name -> name.startsWith("libnetty_transport_native_epoll_"));
    }

    private static Path jar(Path file, String... entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String entry : entries) {
                zip.putNextEntry(new ZipEntry(entry));
                zip.write(entry.getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return file;
    }
}
