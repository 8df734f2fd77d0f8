package io.claudebottle.gitgate;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InsteadOfTest {
    private static final String KEY = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=";

    private static GitGateRepo repo(String name, String upstream) {
        return new GitGateRepo(name, upstream, Path.of("/keys/id"), KEY, Map.of(), false);
    }

    @Test
    void sshUrlWithDefaultPortGetsTheScpSpellingToo() {
        assertThat(InsteadOf.gitconfig("git://git-gate:9418", List.of(repo("claude-bottle", "ssh://git@example.test/o/r.git"))))
                .isEqualTo("""
                        [url "git://git-gate:9418/claude-bottle"]
                        \tinsteadOf = "ssh://git@example.test/o/r.git"
                        \tinsteadOf = "git@example.test:o/r.git"
                        """);
    }

    @Test
    void scpUpstreamGetsTheSshSpelling() {
        assertThat(InsteadOf.configPairs("git://git-gate:9418/", List.of(repo("r", "git@example.test:o/r.git"))))
                .containsExactly(
                        List.of("url.git://git-gate:9418/r.insteadOf", "git@example.test:o/r.git"),
                        List.of("url.git://git-gate:9418/r.insteadOf", "ssh://git@example.test/o/r.git"));
    }

    @Test
    void explicitPort22IsAlsoWrittenWithoutPortAndAsScp() {
        assertThat(UpstreamUrl.parse("ssh://git@example.test:22/o/r.git").spellings()).containsExactly(
                "ssh://git@example.test:22/o/r.git", "ssh://git@example.test/o/r.git", "git@example.test:o/r.git");
    }

    @Test
    void nonDefaultPortHasNoScpSpelling() {
        // scp-style syntax cannot carry a port; "host:30009/o/r.git" would mean a path on port 22.
        assertThat(UpstreamUrl.parse("ssh://git@example.test:30009/o/r.git").spellings())
                .containsExactly("ssh://git@example.test:30009/o/r.git");
    }

    @Test
    void invalidEntriesAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> repo("Bad Name", "git@h:o/r.git")).hasMessageContaining("must match [a-z0-9._-]+");
        assertThatThrownBy(() -> repo("r", "https://example.test/o/r.git")).hasMessageContaining("is not an SSH git URL");
        assertThatThrownBy(() -> new GitGateRepo("r", "git@h:o/r.git", Path.of("/k"), "not a key", Map.of(), false))
                .hasMessageContaining("knownHostKey must look like");
        assertThatThrownBy(() -> new GitGateRepo("r", "git@h:o/r.git", Path.of("/k"), "ssh-ed25519 " + KEY.split(" ")[1], Map.of(), false))
                .hasMessageContaining("knownHostKey says ssh-ed25519 but its key data is ecdsa-sha2-nistp256");
        assertThatThrownBy(() -> new GitGateRepo("r", "git@h:o/r.git", Path.of("/k"), KEY, Map.of("h", "1.2.3.4\nProxyCommand x"), false))
                .hasMessageContaining("extraHosts entry");
    }

    @Test
    void knownHostsLineWithHostNamesIsAccepted() {
        assertThat(PinnedHostKey.parse("r", "[example.test]:30009 " + KEY + " comment").fingerprint()).startsWith("ecdsa-sha2-nistp256 SHA256:");
    }
}
