package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Superseded images go; the current one, images a container uses, images of another kind and
 * images younger than the grace period stay. Real images on a real engine (label-only builds).
 */
class ImagePrunerTest {

    @Test
    void supersededImagesOfTheSameKindAreRemovedOthersStay() throws IOException {
        DockerTestSupport.assumeDocker();
        try (DockerBackend backend = DockerBackend.open()) {
            DockerClient docker = backend.client();
            String base = new ImageBuilder(docker, m -> { }, true).baseImage();
            String run = HexFormat.of().formatHex(java.security.SecureRandom.getSeed(4));
            String kind = "prune-test-" + run;
            String repo = ImageBuilder.SIDECAR_REPO + ":prunetest-" + run;
            String old = build(docker, base, repo + "-old", kind);
            String used = build(docker, base, repo + "-used", kind);
            String current = build(docker, base, repo + "-current", kind);
            String otherKind = build(docker, base, repo + "-other", kind + "-other");
            String container = docker.createContainerCmd(used).withEntrypoint("true").withCmd(List.<String>of())
                    .withLabels(Map.of("io.claudebottle.probe", "prune-test")).exec().getId();
            try {
                var pruner = new ImagePruner(docker);
                assertThat(pruner.removeSuperseded(kind, current, Duration.ofHours(1)))
                        .as("nothing is older than the grace period").isEmpty();
                assertThat(pruner.removeSuperseded(kind, current, Duration.ZERO)).containsExactly(old);
                assertThat(exists(docker, old)).isFalse();
                assertThat(exists(docker, used)).isTrue();
                assertThat(exists(docker, current)).isTrue();
                assertThat(exists(docker, otherKind)).isTrue();
                docker.removeContainerCmd(container).withForce(true).exec();
                container = null;
                // `bottle images prune` keeps only what it is told is current (here: everything but this run's)
                List<String> keep = new ArrayList<>();
                for (var image : docker.listImagesCmd().exec()) {
                    if (image.getRepoTags() != null) {
                        for (String tag : image.getRepoTags()) {
                            if (!tag.contains("prunetest-" + run)) {
                                keep.add(tag);
                            }
                        }
                    }
                }
                keep.add(current);
                assertThat(pruner.removeAllBut(Set.copyOf(keep))).containsExactlyInAnyOrder(used, otherKind);
                assertThat(exists(docker, current)).isTrue();
            } finally {
                if (container != null) {
                    docker.removeContainerCmd(container).withForce(true).exec();
                }
                for (String tag : List.of(old, used, current, otherKind)) {
                    if (exists(docker, tag)) {
                        docker.removeImageCmd(tag).exec();
                    }
                }
            }
        }
    }

    private static String build(DockerClient docker, String base, String tag, String kind) throws IOException {
        Path dir = Files.createTempDirectory("prune-test");
        try {
            Files.writeString(dir.resolve("Dockerfile"), "FROM " + base + "\nLABEL io.claudebottle.test=\"" + tag + "\"\n");
            docker.buildImageCmd().withBaseDirectory(dir.toFile()).withDockerfile(dir.resolve("Dockerfile").toFile())
                    .withTags(Set.of(tag)).withPull(false).withNetworkMode("none")
                    .withLabels(Map.of(ImagePruner.KIND, kind))
                    .exec(new com.github.dockerjava.api.command.BuildImageResultCallback()).awaitImageId(5, TimeUnit.MINUTES);
            return tag;
        } finally {
            Files.deleteIfExists(dir.resolve("Dockerfile"));
            Files.deleteIfExists(dir);
        }
    }

    private static boolean exists(DockerClient docker, String tag) {
        try {
            docker.inspectImageCmd(tag).exec();
            return true;
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            return false;
        }
    }
}
