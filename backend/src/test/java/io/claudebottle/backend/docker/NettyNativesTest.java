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
        String mine = "libnetty_tcnative_" + PlatformDependent.normalizedOs() + "_" + PlatformDependent.normalizedArch() + ".so";
        Path jar = jar(tmp.resolve("tcnative.jar"), "META-INF/native/" + mine, "META-INF/native/libnetty_tcnative_linux_s390x.so",
                "META-INF/native/libnetty_tcnative_osx_x86_64.jnilib", "META-INF/native/nested/" + mine, "io/netty/Foo.class");
        Path classes = Files.createDirectories(tmp.resolve("classes"));

        List<Path> unpacked = NettyNatives.unpack(List.of(jar, classes), tmp.resolve("native"));

        assertThat(unpacked).containsExactly(tmp.resolve("native").resolve(mine));
        assertThat(Files.readString(unpacked.getFirst())).isEqualTo("META-INF/native/" + mine);
    }

    @Test
    void theBuildsOwnClassPathHoldsBoringSslForThisMachine(@TempDir Path tmp) throws IOException {
        List<Path> classpath = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(Path::of).toList();
        assertThat(NettyNatives.unpack(classpath, tmp)).extracting(p -> p.getFileName().toString())
                .anyMatch(name -> name.startsWith("libnetty_tcnative_"));
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
