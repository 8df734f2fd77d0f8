package io.claudebottle.backend.docker;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DebianMirrorTest {

    @Test
    void readsTheMirrorOfTheSuiteFromDeb822Sources() {
        List<String> lines = List.of("Types: deb", "URIs: http://mirror.example/debian", "Suites: bookworm bookworm-updates",
                "Components: main", "", "Types: deb", "URIs: http://security.example/debian-security",
                "Suites: bookworm-security", "Components: main");
        assertThat(DebianMirror.fromDeb822(lines, "bookworm")).contains("http://mirror.example/debian");
        assertThat(DebianMirror.fromDeb822(lines, "trixie")).isEmpty();
    }

    @Test
    void readsTheMirrorFromOneLineSourcesSkippingOptionsAndSourcePackages() {
        List<String> lines = List.of("# comment", "deb-src http://src.example/debian bookworm main",
                "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main");
        assertThat(DebianMirror.fromOneLine(lines, "bookworm")).contains("http://mirror.example/debian");
    }
}
