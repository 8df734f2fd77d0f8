package io.claudebottle.backend.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SidecarAppTest {
    private static final String LISTED = """

            The following files have been resolved:
               com.gliwka.hyperscan:native:jar:5.4.12-2.0.4:compile
               com.gliwka.hyperscan:native:jar:linux-x86_64:5.4.0-1.0.0:compile
               com.gliwka.hyperscan:native:jar:windows-x86_64:5.4.0-1.0.0:compile
               io.claudebottle:bottle-egress:jar:0.1.0-SNAPSHOT:compile -- module bottle.egress (auto)
               io.netty:netty-tcnative-boringssl-static:jar:linux-aarch_64:2.0.84.Final:compile
               io.netty:netty-tcnative-boringssl-static:jar:linux-x86_64:2.0.84.Final:compile
               org.bytedeco:javacpp:jar:linux-x86:1.5.4:compile
               org.bytedeco:javacpp:jar:linux-x86_64:1.5.4:compile
               org.bytedeco:javacpp:jar:1.5.4:compile
               org.eclipse.jgit:org.eclipse.jgit:jar:7.8.1.202611041320-r:compile -- module org.eclipse.jgit
               org.slf4j:slf4j-api:jar:2.0.18:compile -- module org.slf4j
            """;

    private static final List<Path> CLI = List.of(
            "bottle.jar", "bottle-backend-0.1.0-SNAPSHOT.jar", "bottle-sidecar-0.1.0-SNAPSHOT.jar",
            "bottle-egress-0.1.0-SNAPSHOT.jar", "bottle-manifest-0.1.0-SNAPSHOT.jar",
            "native-5.4.12-2.0.4.jar", "native-5.4.0-1.0.0-linux-x86_64.jar", "native-5.4.0-1.0.0-windows-x86_64.jar",
            "native-5.4.0-1.0.0-macosx-x86_64.jar",
            "netty-tcnative-boringssl-static-2.0.84.Final-linux-aarch_64.jar",
            "netty-tcnative-boringssl-static-2.0.84.Final-linux-x86_64.jar",
            "netty-tcnative-boringssl-static-2.0.84.Final-osx-x86_64.jar",
            "javacpp-1.5.4.jar", "javacpp-1.5.4-linux-x86.jar", "javacpp-1.5.4-linux-x86_64.jar",
            "javacpp-1.5.4-linux-arm64.jar", "javacpp-1.5.4-android-x86_64.jar",
            "org.eclipse.jgit-7.8.1.202611041320-r.jar", "org.eclipse.jgit.ssh.apache-7.8.1.202611041320-r.jar",
            "slf4j-api-1.7.30.jar", "slf4j-nop-1.7.36.jar",
            "docker-java-core-3.7.1.jar", "sqlite-jdbc-3.54.1.0.jar", "picocli-4.7.7.jar")
            .stream().map(name -> Path.of("/opt/cli/lib", name)).toList();

    private static List<String> names(List<Path> jars) {
        return jars.stream().map(p -> p.getFileName().toString()).toList();
    }

    @Test
    void keepsTheSidecarsArtifactsAtTheClisVersionsAndItsOwnModules() {
        List<String> kept = names(SidecarApp.sidecarJars(CLI, LISTED, "amd64"));
        assertThat(kept).containsExactly("bottle-backend-0.1.0-SNAPSHOT.jar", "bottle-sidecar-0.1.0-SNAPSHOT.jar",
                "bottle-egress-0.1.0-SNAPSHOT.jar", "native-5.4.12-2.0.4.jar", "native-5.4.0-1.0.0-linux-x86_64.jar",
                "netty-tcnative-boringssl-static-2.0.84.Final-linux-x86_64.jar",
                "javacpp-1.5.4.jar", "javacpp-1.5.4-linux-x86_64.jar",
                "org.eclipse.jgit-7.8.1.202611041320-r.jar", "slf4j-api-1.7.30.jar", "slf4j-nop-1.7.36.jar");
    }

    @Test
    void dropsTheClisOwnDependenciesAndOtherPlatformsNatives() {
        List<String> kept = names(SidecarApp.sidecarJars(CLI, LISTED, "amd64"));
        assertThat(kept).doesNotContain("bottle.jar", "bottle-manifest-0.1.0-SNAPSHOT.jar", "docker-java-core-3.7.1.jar",
                "sqlite-jdbc-3.54.1.0.jar", "picocli-4.7.7.jar", "org.eclipse.jgit.ssh.apache-7.8.1.202611041320-r.jar");
        assertThat(kept).noneMatch(n -> n.contains("windows") || n.contains("osx") || n.contains("macosx")
                || n.contains("android") || n.contains("aarch_64") || n.contains("arm64") || n.endsWith("linux-x86.jar"));
    }

    @Test
    void onArm64KeepsTheArm64NativesUnderEitherSpelling() {
        List<String> kept = names(SidecarApp.sidecarJars(CLI, LISTED, "aarch64"));
        assertThat(kept).contains("netty-tcnative-boringssl-static-2.0.84.Final-linux-aarch_64.jar")
                .doesNotContain("netty-tcnative-boringssl-static-2.0.84.Final-linux-x86_64.jar", "javacpp-1.5.4-linux-x86_64.jar");
    }

    @Test
    void aClassPathWithClassDirectoriesIsKeptWhole() {
        List<Path> tree = List.of(Path.of("/src/backend/target/classes"), Path.of("/m2/netty-common-4.2.18.Final.jar"),
                Path.of("/m2/sqlite-jdbc-3.54.1.0.jar"));
        assertThat(SidecarApp.production(tree).classpath()).isEqualTo(tree);
    }
}
