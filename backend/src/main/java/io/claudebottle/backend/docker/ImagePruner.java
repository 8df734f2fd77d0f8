package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Image;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Removes superseded bottle images. Every content-hash build leaves the previous tag behind (a few
 * hundred MB each), so after a build the older images of the same kind go, and {@code bottle
 * images prune} removes every bottle image but the current ones. An image some container (running
 * or not) still uses is never removed, nor one built within the grace period: another launcher on
 * the same engine may have just built it for a different checkout and be about to run it.
 */
final class ImagePruner {

    /** Label on every bottle image: what it is (base, agent, or sidecar plus its main class). */
    static final String KIND = "io.claudebottle.kind";
    static final List<String> REPOS = List.of(ImageBuilder.BASE_REPO, ImageBuilder.AGENT_REPO, ImageBuilder.SIDECAR_REPO);
    static final Duration GRACE = Duration.ofMinutes(10);

    private final DockerClient docker;

    ImagePruner(DockerClient docker) {
        this.docker = docker;
    }

    /** After building {@code keep}: removes the other images of its kind older than {@code grace}. */
    List<String> removeSuperseded(String kind, String keep, Duration grace) {
        return remove(image -> kind.equals(label(image)) && !tagged(image, keep), grace);
    }

    /** Removes every bottle image not tagged with one of {@code keep}, at any age. */
    List<String> removeAllBut(Set<String> keep) {
        return remove(image -> keep.stream().noneMatch(k -> tagged(image, k)), Duration.ZERO);
    }

    private List<String> remove(Predicate<Image> candidate, Duration grace) {
        Set<String> inUse = new HashSet<>();
        for (Container c : docker.listContainersCmd().withShowAll(true).exec()) {
            inUse.add(c.getImageId());
        }
        long newest = Instant.now().minus(grace).getEpochSecond();
        List<String> removed = new ArrayList<>();
        for (String repo : REPOS) {
            for (Image image : docker.listImagesCmd().withImageNameFilter(repo).exec()) {
                if (image.getRepoTags() == null || inUse.contains(image.getId()) || !candidate.test(image)
                        || (image.getCreated() != null && image.getCreated() > newest)) {
                    continue;
                }
                for (String tag : image.getRepoTags()) {
                    if (!tag.startsWith(repo + ":")) {
                        continue;
                    }
                    try {
                        docker.removeImageCmd(tag).withForce(false).exec();
                        removed.add(tag);
                    } catch (NotFoundException | ConflictException e) {
                        // gone already, or the parent of an image still in use: it stays
                    }
                }
            }
        }
        return removed;
    }

    private static String label(Image image) {
        return image.getLabels() == null ? null : image.getLabels().get(KIND);
    }

    private static boolean tagged(Image image, String tag) {
        return image.getRepoTags() != null && List.of(image.getRepoTags()).contains(tag);
    }
}
