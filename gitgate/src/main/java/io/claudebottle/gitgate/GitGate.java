package io.claudebottle.gitgate;

import io.claudebottle.dlp.SecretScanner;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.WindowCacheConfig;
import org.eclipse.jgit.transport.Daemon;
import org.eclipse.jgit.transport.DaemonClient;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.resolver.ServiceNotEnabledException;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The git-gate: a {@code git://} server with one mirror per upstream. A fetch refreshes the mirror
 * from the upstream first and fails if it cannot (never stale data); a push is received into a
 * scratch repository, scanned for secrets and forwarded to the upstream over SSH, and succeeds
 * only for the refs the upstream accepted.
 *
 * <pre>{@code
 * try (GitGate gate = GitGate.start(settings, SecretScanner.defaults(), events::add, MirrorProgress.NONE)) {
 *     String agentConfig = InsteadOf.gitconfig("git://git-gate:" + gate.port(), settings.repos());
 * }
 * }</pre>
 */
public final class GitGate implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GitGate.class.getName());

    private final Daemon daemon;
    private final Map<String, Mirror> mirrors;

    private GitGate(Daemon daemon, Map<String, Mirror> mirrors) {
        this.daemon = daemon;
        this.mirrors = mirrors;
    }

    /**
     * Opens (or creates) each mirror and starts serving at once; each mirror's first sync with its
     * upstream runs in the background (the first clone of a large upstream reports to
     * {@code progress}), and requests for that repo wait for it. An upstream that cannot be
     * reached is reported to {@code audit} and retried by every fetch and push; it does not stop
     * the gate.
     */
    public static GitGate start(GitGateSettings settings, SecretScanner scanner, GitGateAudit audit,
                                MirrorProgress progress) throws IOException {
        preferJdkSha1();
        enlargeWindowCache();
        Path stateDir = settings.stateDir().toAbsolutePath();
        Files.createDirectories(stateDir);
        Path scratchRoot = stateDir.resolve("scratch");
        ScratchRepository.deleteAll(scratchRoot);
        Map<String, Mirror> mirrors = new LinkedHashMap<>();
        try {
            for (GitGateRepo repo : settings.repos()) {
                mirrors.put(repo.name(), new Mirror(repo, stateDir, progress));
            }
            PushScanner pushScanner = new PushScanner(scanner);
            Daemon daemon = new Daemon(new InetSocketAddress(settings.bind(), settings.port()));
            daemon.getService("git-upload-pack").setOverridable(false);
            daemon.getService("git-receive-pack").setEnabled(true);
            daemon.getService("git-receive-pack").setOverridable(false);
            daemon.setRepositoryResolver((DaemonClient client, String name) -> resolve(mirrors, name, client).repositoryForRequest());
            daemon.setUploadPackFactory((client, db) -> new RefreshingUploadPack(mirrorOf(mirrors, db), audit));
            daemon.setReceivePackFactory((client, db) -> {
                Mirror mirror = mirrorOf(mirrors, db);
                try {
                    return new GatedReceivePack(ScratchRepository.create(scratchRoot, db), mirror, scanner, pushScanner, audit);
                } catch (IOException e) {
                    throw new UncheckedIOException("git-gate: cannot create a scratch repository under " + scratchRoot, e);
                }
            });
            daemon.start();
            mirrors.values().forEach(mirror -> mirror.startFirstSync(audit));
            LOG.log(System.Logger.Level.INFO, "git-gate listening on " + daemon.getAddress() + " for " + mirrors.keySet());
            return new GitGate(daemon, mirrors);
        } catch (IOException | RuntimeException e) {
            mirrors.values().forEach(Mirror::close);
            throw e;
        }
    }

    static final String SHA1_PROPERTY = "org.eclipse.jgit.util.sha1.implementation";

    /**
     * JGit hashes with a pure-Java SHA-1 that also detects SHAttered-style collision attacks; it
     * was the largest single cost of receiving a push. Measured on the bench's 51 MB pack: JGit's
     * pack parser took 2.4 s of CPU with it and 1.3 s with the JDK's (SHA-NI instructions), about a
     * fifth of all the CPU the gate adds to such a push. The gate does not rely on that detection:
     * what it forwards is read back by id from the push's own pack, whose blobs were scanned under
     * the id the parser computed from exactly the scanned bytes (two contents under one id both
     * count, see {@link ReceivedBlobScan}); an object it does not scan is one the upstream already
     * has under that id; and JGit's pack parser compares a received object byte for byte with any
     * object of the same id the mirror holds. The upstream still runs its own collision checks
     * (git's SHA-1 detects collisions too). So the JDK's SHA-1 is used unless the operator set
     * {@value #SHA1_PROPERTY} (e.g. to {@code java}); the property is JVM-wide, and the gate is the
     * sidecar's only JGit user.
     */
    static void preferJdkSha1() {
        if (System.getProperty(SHA1_PROPERTY) == null) System.setProperty(SHA1_PROPERTY, "jdkNative");
    }

    /**
     * JGit reads packs through a JVM-wide cache of 8 KiB windows capped at 10 MB by default: reading
     * a 50 MB push back for the scan and the upstream pack then re-reads the file window by window.
     * Measured on the bench's pack: reading its blobs back took 0.7–0.8 s of CPU by default and
     * 0.36–0.57 s with larger windows, writing the upstream pack 0.15–0.18 s and 0.06–0.09 s. The cache holds soft references, so the heap can still
     * reclaim it; the gate is the sidecar's only JGit user.
     */
    static void enlargeWindowCache() {
        WindowCacheConfig config = new WindowCacheConfig();
        config.setPackedGitLimit(128L << 20);
        config.setPackedGitWindowSize(64 << 10);
        config.setDeltaBaseCacheLimit(32 << 20);
        config.install();
    }

    /** The bound port (useful when the settings asked for port 0). */
    public int port() {
        return daemon.getAddress().getPort();
    }

    public InetSocketAddress address() {
        return daemon.getAddress();
    }

    @Override
    public void close() {
        try {
            daemon.stopAndWait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        mirrors.values().forEach(Mirror::close);
    }

    /**
     * Ends a git:// request with {@code ERR message}, which git prints as {@code fatal: remote error: message}.
     * Written and flushed here because JGit's daemon drops an unflushed ERR line when it closes the socket.
     */
    static void refuse(OutputStream client, String message) throws IOException {
        PacketLineOut out = new PacketLineOut(client);
        out.writeString("ERR " + message.replace('\n', ' ') + "\n");
        out.flush();
    }

    private static Mirror resolve(Map<String, Mirror> mirrors, String requested, DaemonClient client)
            throws RepositoryNotFoundException {
        String name = requested;
        while (name.startsWith("/")) name = name.substring(1);
        if (name.endsWith("/")) name = name.substring(0, name.length() - 1);
        if (name.endsWith(".git")) name = name.substring(0, name.length() - 4);
        Mirror mirror = mirrors.get(name);
        if (mirror == null) {
            String message = "git-gate: no repository '" + requested + "'; this bottle serves "
                    + (mirrors.isEmpty() ? "none (no git: entries in the bottle manifest)" : String.join(", ", mirrors.keySet()));
            try {
                refuse(client.getOutputStream(), message);
            } catch (IOException clientGone) {
                // nothing left to tell
            }
            throw new RepositoryNotFoundException(message);
        }
        return mirror;
    }

    private static Mirror mirrorOf(Map<String, Mirror> mirrors, Repository db) throws ServiceNotEnabledException {
        // The daemon still asks for a service after the resolver refused the name (and told the client).
        if (db == null) throw new ServiceNotEnabledException();
        for (Mirror mirror : mirrors.values()) {
            if (mirror.repository() == db) return mirror;
        }
        throw new IllegalStateException("git-gate: repository " + db.getDirectory() + " is not a mirror");
    }
}
