package io.claudebottle.gitgate;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.Transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bare repository holding exactly what the upstream has (its branches and tags, pruned), and
 * nothing an agent pushed that the upstream did not accept. This is what the agent fetches from.
 */
final class Mirror implements AutoCloseable {
    private static final List<RefSpec> MIRRORED = List.of(
            new RefSpec("+refs/heads/*:refs/heads/*"), new RefSpec("+refs/tags/*:refs/tags/*"));

    private final GitGateRepo settings;
    private final Repository repository;
    private final Upstream upstream;
    private final MirrorProgress progress;
    private final ReentrantLock refreshLock = new ReentrantLock();
    /** Completes (never exceptionally) when the first sync with the upstream has ended, well or not. */
    private final CompletableFuture<Void> firstSync = new CompletableFuture<>();
    private volatile boolean synced;
    private volatile boolean closed;
    private volatile Thread firstSyncThread;

    Mirror(GitGateRepo settings, Path stateDir, MirrorProgress progress) throws IOException {
        this.settings = settings;
        this.progress = progress;
        Path gitDir = stateDir.resolve("mirrors").resolve(settings.name() + ".git");
        this.repository = new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setBare().build();
        if (!repository.getObjectDatabase().exists()) {
            repository.create(true);
        }
        this.upstream = new Upstream(settings, stateDir.resolve("ssh").resolve(settings.name()));
    }

    String name() {
        return settings.name();
    }

    GitGateRepo settings() {
        return settings;
    }

    Repository repository() {
        return repository;
    }

    /** The mirror for one daemon request; the daemon closes it when the request ends. */
    Repository repositoryForRequest() {
        repository.incrementOpen();
        return repository;
    }

    Upstream upstream() {
        return upstream;
    }

    /**
     * Starts the first sync with the upstream in the background: the first clone of a large
     * upstream can take minutes, and must not hold up the sidecar's start (its {@code /health}).
     * Progress goes to the {@link MirrorProgress}; the outcome to {@code audit}. Requests wait for
     * it with {@link #awaitFirstSync()}.
     */
    void startFirstSync(GitGateAudit audit) {
        firstSyncThread = Thread.ofPlatform().daemon().name("git-gate-mirror-" + name()).start(() -> {
            try {
                refresh(new ProgressAdapter(name(), progress));
                audit.record(new GitGateEvent(name(), "mirror", "ok", "mirrored " + upstream.url(), Map.of()));
                progress.finished(name(), null);
            } catch (UpstreamException e) {
                if (closed) return; // the gate is stopping; not the upstream's fault
                String failure = "cannot mirror " + upstream.url() + ": " + e.getMessage();
                audit.record(new GitGateEvent(name(), "mirror", "error", failure
                        + " (fetches and pushes retry it and fail until it is reachable)", Map.of()));
                progress.finished(name(), failure);
            } finally {
                firstSync.complete(null);
            }
        });
    }

    /** Waits until the first sync has ended, well or not. */
    void awaitFirstSync() throws UpstreamException {
        try {
            firstSync.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException("interrupted while waiting for the first mirror clone", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the first sync never completes exceptionally", e);
        }
    }

    /**
     * Waits for the first sync; if it failed and no fetch has succeeded since, tries again now, so
     * a push after the upstream came back works. Throws with the reason if still out of sync.
     */
    void ensureSynced() throws UpstreamException {
        awaitFirstSync();
        if (!synced) refresh();
    }

    /**
     * Fetches the upstream's branches and tags, deleting what it no longer has. Throws with a
     * one-line reason when the upstream cannot be reached or refuses us; callers fail closed.
     */
    void refresh() throws UpstreamException {
        refresh(NullProgressMonitor.INSTANCE);
    }

    private void refresh(ProgressMonitor monitor) throws UpstreamException {
        refreshLock.lock();
        try (Transport transport = upstream.open(repository)) {
            transport.setRemoveDeletedRefs(true);
            transport.setTagOpt(TagOpt.NO_TAGS);
            FetchResult result = transport.fetch(monitor, MIRRORED);
            pointHeadAt(result);
            synced = true;
        } catch (IOException | RuntimeException e) {
            throw new UpstreamException(upstream.explain(e), e);
        } finally {
            refreshLock.unlock();
        }
    }

    /**
     * Records ref updates the upstream just accepted from a push, whose objects the caller has
     * {@linkplain #adoptPack adopted}, so the agent's next push is judged against the new state.
     */
    void recordAccepted(List<ReceiveCommand> accepted) throws IOException {
        refreshLock.lock();
        try {
            for (ReceiveCommand command : accepted) {
                RefUpdate update = repository.updateRef(command.getRefName());
                update.disableRefLog();
                update.setForceUpdate(true);
                if (command.getType() == ReceiveCommand.Type.DELETE) {
                    update.delete();
                } else {
                    update.setNewObjectId(command.getNewId());
                    update.update();
                }
            }
        } finally {
            refreshLock.unlock();
        }
    }

    /**
     * Adds the pack files of a push the upstream accepted (so scanned clean) to the mirror, by hard
     * link where possible, so that pushed objects need not be fetched back from the upstream.
     */
    void adoptPack(Path pushedObjects) throws IOException {
        Path packDir = pushedObjects.resolve("pack");
        if (!Files.isDirectory(packDir)) return;
        Path mirrorPacks = Files.createDirectories(repository.getDirectory().toPath().resolve("objects").resolve("pack"));
        List<Path> files;
        try (Stream<Path> list = Files.list(packDir)) {
            // The index goes last: JGit only opens a pack whose index is present.
            files = list.filter(p -> p.getFileName().toString().startsWith("pack-") && !p.toString().endsWith(".keep"))
                    .sorted(Comparator.comparing(p -> p.toString().endsWith(".idx")))
                    .toList();
        }
        for (Path file : files) {
            Path target = mirrorPacks.resolve(file.getFileName());
            if (Files.exists(target)) continue;
            try {
                Files.createLink(target, file);
            } catch (IOException | UnsupportedOperationException crossDevice) {
                Path partial = mirrorPacks.resolve("tmp_" + file.getFileName());
                Files.copy(file, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    /** Branches and tags as the mirror has them, i.e. the upstream's at the last refresh. */
    Map<String, Ref> refs() throws IOException {
        Map<String, Ref> refs = new LinkedHashMap<>();
        for (Ref ref : repository.getRefDatabase().getRefsByPrefix(Constants.R_HEADS, Constants.R_TAGS)) {
            refs.put(ref.getName(), ref);
        }
        return refs;
    }

    Set<ObjectId> tips() throws IOException {
        Set<ObjectId> tips = new HashSet<>();
        for (Ref ref : refs().values()) {
            if (ref.getObjectId() != null) tips.add(ref.getObjectId());
        }
        return tips;
    }

    private void pointHeadAt(FetchResult result) throws IOException {
        Ref head = result.getAdvertisedRef(Constants.HEAD);
        String target = null;
        if (head != null && head.isSymbolic()) {
            target = head.getTarget().getName();
        } else if (head != null && head.getObjectId() != null) {
            for (Ref ref : result.getAdvertisedRefs()) {
                if (ref.getName().startsWith(Constants.R_HEADS) && head.getObjectId().equals(ref.getObjectId())
                        && (target == null || ref.getName().endsWith("/main") || ref.getName().endsWith("/master"))) {
                    target = ref.getName();
                }
            }
        }
        if (target == null || !target.startsWith(Constants.R_HEADS)) return;
        Ref current = repository.exactRef(Constants.HEAD);
        if (current != null && current.isSymbolic() && current.getTarget().getName().equals(target)) return;
        RefUpdate update = repository.updateRef(Constants.HEAD);
        update.disableRefLog();
        update.link(target);
    }

    @Override
    public void close() {
        closed = true;
        Thread sync = firstSyncThread;
        upstream.close(); // ends a first clone still in flight
        if (sync != null) {
            sync.interrupt();
            try {
                firstSync.get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // closing anyway; the mirror is a cache the next start re-syncs
            }
        }
        repository.close();
    }

    /** The upstream could not be reached, refused us, or failed; the message is one actionable line. */
    static final class UpstreamException extends Exception {
        UpstreamException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
