package io.claudebottle.gitgate;

import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.util.FileUtils;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A throw-away bare repository that receives one push. It sees the mirror's objects through
 * {@code objects/info/alternates}, but nothing it receives ever lands in the mirror: JGit writes a
 * pushed pack before any hook runs (there is no quarantine), so a rejected push must be received
 * somewhere the gate never serves from. Deleted when the push ends, accepted or not.
 */
final class ScratchRepository implements AutoCloseable {
    private final Path dir;
    private final Repository repository;

    private ScratchRepository(Path dir, Repository repository) {
        this.dir = dir;
        this.repository = repository;
    }

    static ScratchRepository create(Path scratchRoot, Repository mirror) throws IOException {
        Files.createDirectories(scratchRoot);
        Path dir = Files.createTempDirectory(scratchRoot, "push-");
        try {
            try (Repository init = new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build()) {
                init.create(true);
            }
            Path info = dir.resolve("objects").resolve("info");
            Files.createDirectories(info);
            Path mirrorObjects = mirror.getDirectory().toPath().resolve("objects").toAbsolutePath();
            Files.writeString(info.resolve("alternates"), mirrorObjects + "\n", StandardCharsets.UTF_8);
            return new ScratchRepository(dir, new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build());
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    Repository repository() {
        return repository;
    }

    Path directory() {
        return dir;
    }

    @Override
    public void close() {
        repository.close();
        deleteTree(dir);
    }

    /** Removes scratch repositories a killed gate left behind. */
    static void deleteAll(Path scratchRoot) {
        deleteTree(scratchRoot);
    }

    private static void deleteTree(Path path) {
        try {
            FileUtils.delete(path.toFile(), FileUtils.RECURSIVE | FileUtils.SKIP_MISSING | FileUtils.RETRY);
        } catch (IOException e) {
            System.getLogger(ScratchRepository.class.getName())
                    .log(System.Logger.Level.WARNING, "git-gate: could not delete scratch repository " + path + ": " + e.getMessage());
        }
    }
}
