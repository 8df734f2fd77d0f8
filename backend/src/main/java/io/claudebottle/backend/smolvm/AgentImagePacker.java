package io.claudebottle.backend.smolvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns the agent's Docker image into the {@code .smolmachine} a VM is created from: {@code docker
 * save} then {@code smolvm pack create}, cached by image id so that only a changed image is packed
 * again. No registry is involved: smolvm reads the saved archive.
 */
final class AgentImagePacker {

    private final ProcessRunner runner;
    private final SmolvmCommands smolvm;
    private final Path cacheDir;

    AgentImagePacker(ProcessRunner runner, SmolvmCommands smolvm, Path cacheDir) {
        this.runner = runner;
        this.smolvm = smolvm;
        this.cacheDir = cacheDir;
    }

    /** The packed image for {@code imageRef}, packing it first if this image id was never packed. */
    Path smolmachineFor(String imageRef) {
        String id = runner.run(List.of("docker", "image", "inspect", "--format", "{{.Id}}", imageRef))
                .orFail("looking up the agent image " + imageRef + " (build it with the docker backend first)")
                .stdout().strip();
        String key = id.substring(id.indexOf(':') + 1).replaceAll("[^A-Za-z0-9]", "");
        key = key.substring(0, Math.min(16, key.length()));
        Path output = cacheDir.resolve("agent-" + key);
        Path packed = Path.of(output + ".smolmachine");
        if (Files.isRegularFile(packed)) {
            return packed;
        }
        try {
            Files.createDirectories(cacheDir);
            Path archive = Files.createTempFile(cacheDir, "agent-", ".tar");
            try {
                runner.run(List.of("docker", "save", "-o", archive.toString(), imageRef))
                        .orFail("saving the agent image " + imageRef);
                smolvm.packImage(archive.toString(), output);
            } finally {
                Files.deleteIfExists(archive);
            }
        } catch (IOException e) {
            throw new SmolvmException("could not pack the agent image into " + cacheDir + ": " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(packed)) {
            throw new SmolvmException("`smolvm pack create` did not write " + packed + "; is this smolvm 0.8?");
        }
        return packed;
    }
}
