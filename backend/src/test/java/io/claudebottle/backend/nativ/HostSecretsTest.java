package io.claudebottle.backend.nativ;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ways a work directory or a home grant could bring the user's secrets into a sandbox. */
class HostSecretsTest {

    @TempDir
    Path home;

    @Test
    void refusesTheHomeItselfAndEveryAncestorOfIt() {
        HostSecrets secrets = HostSecrets.forUser(home);
        assertThat(secrets.conflict(home)).hasValueSatisfying(why -> assertThat(why).contains("contains " + home.resolve(".ssh")));
        assertThat(secrets.conflict(home.getParent())).isPresent();
        assertThat(secrets.conflict(Path.of("/"))).isPresent();
    }

    @Test
    void refusesPathsInsideSecrets() {
        HostSecrets secrets = HostSecrets.forUser(home);
        assertThat(secrets.conflict(home.resolve(".ssh/keys"))).hasValueSatisfying(why -> assertThat(why)
                .contains("lies inside " + home.resolve(".ssh")));
        assertThat(secrets.conflict(home.resolve(".config/gh"))).isPresent();
        assertThat(secrets.conflict(home.resolve(".aws/../.aws/credentials"))).isPresent();
        assertThat(secrets.conflict(Path.of("/run/user/1000"))).isPresent();
        assertThat(secrets.conflict(Path.of("/var/run/docker.sock"))).isPresent();
    }

    @Test
    void refusesEveryClaudeStarEntryOfTheHome() throws IOException {
        Files.createDirectories(home.resolve(".claude-other-profile"));
        assertThat(HostSecrets.forUser(home).conflict(home.resolve(".claude-other-profile/x"))).isPresent();
    }

    @Test
    void allowsAProjectDirectoryBelowTheHome() {
        assertThat(HostSecrets.forUser(home).conflict(home.resolve("src/project"))).isEmpty();
        assertThat(HostSecrets.forUser(home).conflict(home.resolve(".config/nvim"))).isEmpty();
    }
}
