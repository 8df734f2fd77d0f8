package io.claudebottle.backend.smolvm;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * The loopback aliases {@code 127.0.0.16}–{@code 127.0.0.31}, one per running smolmachines bottle.
 *
 * <p>A bottle's sidecar ports are published on its alias only, and its agent VM may reach that
 * alias's {@code /32} only, so no two running bottles may ever hold the same alias. Each
 * reservation is a file {@code <alias>.reservation} in the pool directory naming the owner
 * process (pid and start time, so a recycled pid is not mistaken for the owner) and the bottle.
 * Reservations are made under an exclusive lock on {@code pool.lock} (a file lock between
 * launchers, plus a JVM lock between threads, since file locks are held per process). A
 * reservation whose owner process is gone is stale: it is taken over, but only after the caller's
 * {@code evict} has removed what the dead owner left on that alias (its VM may still be running,
 * allowed to reach the alias), and kept if that fails.
 */
public final class LoopbackAliasPool {

    static final int FIRST_HOST = 16;
    static final int LAST_HOST = 31;
    /** Every alias of the pool, in the order they are handed out. */
    public static final List<String> ALIASES = IntStream.rangeClosed(FIRST_HOST, LAST_HOST)
            .mapToObj(host -> "127.0.0." + host).toList();

    private static final Pattern BOTTLE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final String SUFFIX = ".reservation";
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    /** Who holds an alias. {@code live} is false once the owner process has gone. */
    public record Reservation(String alias, String bottleId, long pid, Instant reservedAt, boolean live) { }

    private final Path dir;
    private final LoopbackInterface loopback;
    private final ProcessHandle owner;

    LoopbackAliasPool(Path dir, LoopbackInterface loopback, ProcessHandle owner) {
        this.dir = dir.toAbsolutePath().normalize();
        this.loopback = loopback;
        this.owner = owner;
    }

    /**
     * Reserves a free alias for {@code bottleId} and makes sure it answers on the host's loopback.
     * Close the lease when the bottle is gone.
     *
     * @param evict removes what the dead owner of a stale reservation left behind; called under the
     *              pool lock before its alias is taken over, and the alias is skipped if it throws
     * @throws SmolvmException when all aliases are held by running bottles (or by leftovers that could not be removed)
     */
    public Lease reserve(String bottleId, Consumer<Reservation> evict) {
        if (!BOTTLE_ID.matcher(bottleId).matches()) {
            throw new IllegalArgumentException("bottle id '" + bottleId + "' must match " + BOTTLE_ID.pattern());
        }
        return locked(() -> {
            // Under the lock, so a second launcher waits for the first one's sudo prompt instead of prompting too.
            loopback.ensureUp(ALIASES);
            List<String> holders = new ArrayList<>();
            for (String alias : ALIASES) {
                Optional<Reservation> held = read(alias);
                if (held.isPresent() && held.get().live()) {
                    holders.add(alias + " (" + held.get().bottleId() + ", pid " + held.get().pid() + ")");
                    continue;
                }
                if (held.isPresent()) {
                    Optional<String> failure = tryEvict(held.get(), evict);
                    if (failure.isPresent()) {
                        holders.add(alias + " (leftovers of " + held.get().bottleId() + ": " + failure.get() + ")");
                        continue;
                    }
                }
                write(alias, bottleId);
                return new Lease(alias, bottleId);
            }
            throw new SmolvmException("all " + ALIASES.size() + " loopback aliases " + ALIASES.getFirst() + "–"
                    + ALIASES.getLast() + " are held by running smolmachines bottles: " + String.join(", ", holders)
                    + ". Stop one of them (`bottle stop <bottle>`) and start again.");
        });
    }

    /** Every reservation on file, live or stale. */
    public List<Reservation> reservations() {
        return locked(() -> {
            List<Reservation> out = new ArrayList<>();
            for (String alias : ALIASES) {
                read(alias).ifPresent(out::add);
            }
            return List.copyOf(out);
        });
    }

    /**
     * Deletes the reservation of {@code bottleId}, whoever holds it (live or not), once {@code evict}
     * has removed what that bottle has on its alias; both under the pool lock, so the alias is never
     * free while its VM may still reach it. Returns whether there was a reservation.
     *
     * @throws RuntimeException what {@code evict} threw; the reservation is then kept
     */
    public boolean release(String bottleId, Consumer<Reservation> evict) {
        return locked(() -> {
            boolean found = false;
            for (String alias : ALIASES) {
                Optional<Reservation> held = read(alias).filter(r -> r.bottleId().equals(bottleId));
                if (held.isPresent()) {
                    evict.accept(held.get());
                    delete(alias);
                    found = true;
                }
            }
            return found;
        });
    }

    /**
     * Runs {@code action} under the pool lock if {@code lease} is still held, and says whether it ran.
     * A launcher starts its VM this way: {@link #release} (a {@code bottle stop} from elsewhere) takes
     * the same lock, so a VM never starts on an alias that was released, and perhaps re-reserved by
     * another bottle, in the meantime.
     */
    public boolean runIfHeld(Lease lease, Runnable action) {
        return locked(() -> {
            if (lease.released || !isOurs(lease.alias, lease.bottleId)) {
                return false;
            }
            action.run();
            return true;
        });
    }

    /**
     * Whether {@code dir} (a pool directory) holds any reservation; reads without locking or creating
     * anything, so commands that only look ({@code bottle ps}) leave no trace on hosts without bottles.
     */
    static boolean anyReservationIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(SUFFIX));
        } catch (IOException e) {
            return true; // unreadable: let the locked read report it
        }
    }

    /**
     * Deletes the reservations of owners that are gone, each after {@code evict} has removed what
     * its owner left (kept if that throws); returns the reservations freed.
     */
    public List<Reservation> reclaimStale(Consumer<Reservation> evict) {
        return locked(() -> {
            List<Reservation> freed = new ArrayList<>();
            for (String alias : ALIASES) {
                Optional<Reservation> held = read(alias);
                if (held.isPresent() && !held.get().live() && tryEvict(held.get(), evict).isEmpty()) {
                    delete(alias);
                    freed.add(held.get());
                }
            }
            return List.copyOf(freed);
        });
    }

    private static Optional<String> tryEvict(Reservation stale, Consumer<Reservation> evict) {
        try {
            evict.accept(stale);
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }

    /** One reserved alias. Closing it releases the alias, unless someone else has taken it over since. */
    public final class Lease implements AutoCloseable {
        private final String alias;
        private final String bottleId;
        private boolean released;

        private Lease(String alias, String bottleId) {
            this.alias = alias;
            this.bottleId = bottleId;
        }

        public String alias() {
            return alias;
        }

        public String bottleId() {
            return bottleId;
        }

        /** False once the alias was released, here or by {@link #release(String)} from another launcher. */
        public boolean held() {
            return locked(() -> !released && isOurs(alias, bottleId));
        }

        /** The allowlist entry that lets the agent reach this alias and nothing else. */
        public String cidr() {
            return alias + "/32";
        }

        @Override
        public void close() {
            locked(() -> {
                if (!released && isOurs(alias, bottleId)) {
                    delete(alias);
                }
                released = true;
                return null;
            });
        }

        @Override
        public String toString() {
            return alias + " (" + bottleId + ")";
        }
    }

    private boolean isOurs(String alias, String bottleId) {
        Properties p = load(alias);
        return p != null
                && String.valueOf(owner.pid()).equals(p.getProperty("pid"))
                && startedAt(owner).equals(p.getProperty("started", ""))
                && bottleId.equals(p.getProperty("bottle"));
    }

    private Optional<Reservation> read(String alias) {
        Properties p = load(alias);
        if (p == null) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(p.getProperty("pid", ""));
        } catch (NumberFormatException e) {
            pid = -1; // garbage on file: nobody can own it, so it is stale
        }
        Instant reservedAt;
        try {
            reservedAt = Instant.parse(p.getProperty("reserved", ""));
        } catch (DateTimeParseException e) {
            reservedAt = Instant.EPOCH;
        }
        return Optional.of(new Reservation(alias, p.getProperty("bottle", "?"), pid, reservedAt,
                alive(pid, p.getProperty("started", ""))));
    }

    /** The owner is alive if a process with its pid runs and (where the OS tells) started when it did. */
    private static boolean alive(long pid, String started) {
        if (pid <= 0) {
            return false;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return false;
        }
        String actual = startedAt(process.get());
        return started.isEmpty() || actual.isEmpty() || actual.equals(started);
    }

    private static String startedAt(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toString).orElse("");
    }

    private Properties load(String alias) {
        try {
            String text = Files.readString(file(alias), StandardCharsets.UTF_8);
            Properties p = new Properties();
            p.load(new StringReader(text));
            return p;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | IllegalArgumentException e) {
            return new Properties(); // unreadable: treated as stale
        }
    }

    private void write(String alias, String bottleId) {
        String text = "pid=" + owner.pid() + "\nstarted=" + startedAt(owner) + "\nbottle=" + bottleId
                + "\nreserved=" + Instant.now() + "\n";
        Path target = file(alias);
        Path tmp = dir.resolve(alias + SUFFIX + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new SmolvmException("could not write loopback alias reservation " + target + ": " + e.getMessage()
                    + " (check that " + dir + " is writable)", e);
        }
    }

    private void delete(String alias) {
        try {
            Files.deleteIfExists(file(alias));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path file(String alias) {
        return dir.resolve(alias + SUFFIX);
    }

    private <T> T locked(Supplier<T> action) {
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(dir, d -> new ReentrantLock());
        jvmLock.lock();
        try {
            createDir();
            Path lockFile = dir.resolve("pool.lock");
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = channel.lock();
                try {
                    return action.get();
                } finally {
                    lock.release();
                }
            } catch (IOException e) {
                throw new SmolvmException("could not lock the loopback alias pool " + lockFile + ": " + e.getMessage()
                        + " (check that " + dir + " is writable)", e);
            }
        } finally {
            jvmLock.unlock();
        }
    }

    private void createDir() {
        try {
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new SmolvmException("could not create the loopback alias pool directory " + dir + ": " + e.getMessage(), e);
        }
    }
}
