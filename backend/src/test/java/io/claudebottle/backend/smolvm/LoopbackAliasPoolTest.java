package io.claudebottle.backend.smolvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoopbackAliasPoolTest {

    /** For pools whose stale owners left nothing behind. */
    static final Consumer<LoopbackAliasPool.Reservation> NO_LEFTOVERS = stale -> { };

    @TempDir
    Path dir;

    private LoopbackAliasPool pool() {
        return new LoopbackAliasPool(dir, LoopbackInterface.alreadyLocal(), ProcessHandle.current());
    }

    @Test
    void thePoolIs127_0_0_16To31() {
        assertThat(LoopbackAliasPool.ALIASES).hasSize(16).startsWith("127.0.0.16").endsWith("127.0.0.31");
    }

    @Test
    void reservationsAreDistinctUntilThePoolIsExhaustedThenTheErrorNamesTheHolders() {
        LoopbackAliasPool pool = pool();
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            got.add(pool.reserve("b" + i, NO_LEFTOVERS).alias());
        }
        assertThat(got).containsExactlyElementsOf(LoopbackAliasPool.ALIASES);

        assertThatThrownBy(() -> pool.reserve("one-too-many", NO_LEFTOVERS))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("all 16 loopback aliases 127.0.0.16–127.0.0.31")
                .hasMessageContaining("127.0.0.16 (b0, pid " + ProcessHandle.current().pid() + ")")
                .hasMessageContaining("bottle stop");
    }

    @Test
    void aReleasedAliasIsReusedAndTheLeaseGivesItsSlash32() {
        LoopbackAliasPool pool = pool();
        LoopbackAliasPool.Lease first = pool.reserve("first", NO_LEFTOVERS);
        LoopbackAliasPool.Lease second = pool.reserve("second", NO_LEFTOVERS);
        assertThat(first.cidr()).isEqualTo("127.0.0.16/32");

        first.close();
        first.close(); // idempotent

        assertThat(pool.reserve("third", NO_LEFTOVERS).alias()).isEqualTo("127.0.0.16");
        assertThat(pool.reservations()).extracting(LoopbackAliasPool.Reservation::bottleId)
                .containsExactly("third", "second");
        second.close();
    }

    @Test
    void closingALeaseSomeoneElseTookOverLeavesTheirReservation() throws Exception {
        LoopbackAliasPool pool = pool();
        LoopbackAliasPool.Lease mine = pool.reserve("mine", NO_LEFTOVERS);
        // Our reservation was judged stale and handed to another launcher meanwhile.
        Files.writeString(dir.resolve("127.0.0.16.reservation"), reservation(ProcessHandle.current(), "theirs"));

        mine.close();

        assertThat(pool.reservations()).extracting(LoopbackAliasPool.Reservation::bottleId).containsExactly("theirs");
    }

    @Test
    void reservationsOfDeadOwnersAreTakenOver() throws Exception {
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Files.writeString(dir.resolve("127.0.0.16.reservation"), "pid=" + dead.pid() + "\nstarted=\nbottle=crashed\n");

        LoopbackAliasPool pool = pool();
        assertThat(pool.reservations()).singleElement().satisfies(r -> assertThat(r.live()).isFalse());
        assertThat(pool.reserve("fresh", NO_LEFTOVERS).alias()).isEqualTo("127.0.0.16");
    }

    @Test
    void aStaleAliasIsTakenOverOnlyAfterItsLeftoversAreEvicted() throws Exception {
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Files.writeString(dir.resolve("127.0.0.16.reservation"), "pid=" + dead.pid() + "\nbottle=crashed\n");
        List<String> evicted = new ArrayList<>();

        assertThat(pool().reserve("fresh", stale -> evicted.add(stale.bottleId())).alias()).isEqualTo("127.0.0.16");
        assertThat(evicted).containsExactly("crashed");
    }

    @Test
    void aStaleAliasWhoseLeftoversCannotBeEvictedIsNotHandedOut() throws Exception {
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Files.writeString(dir.resolve("127.0.0.16.reservation"), "pid=" + dead.pid() + "\nbottle=crashed\n");
        Consumer<LoopbackAliasPool.Reservation> stuck = stale -> {
            throw new SmolvmException("its VM is still running");
        };

        assertThat(pool().reserve("fresh", stuck).alias()).isEqualTo("127.0.0.17");
        assertThat(pool().reclaimStale(stuck)).isEmpty();
        assertThat(pool().reservations()).extracting(LoopbackAliasPool.Reservation::bottleId).containsExactly("crashed", "fresh");
        for (int i = 0; i < 14; i++) {
            pool().reserve("b" + i, stuck);
        }
        assertThatThrownBy(() -> pool().reserve("late", stuck))
                .hasMessageContaining("127.0.0.16 (leftovers of crashed: its VM is still running)");
    }

    @Test
    void aRecycledPidDoesNotKeepAStaleReservationAlive() throws Exception {
        // Our own pid, but a start time that is not ours: the owner died and the pid was reused.
        Files.writeString(dir.resolve("127.0.0.16.reservation"),
                "pid=" + ProcessHandle.current().pid() + "\nstarted=2001-01-01T00:00:00Z\nbottle=ghost\n");

        assertThat(pool().reserve("fresh", NO_LEFTOVERS).alias()).isEqualTo("127.0.0.16");
    }

    @Test
    void garbageReservationFilesAreStale() throws Exception {
        Files.writeString(dir.resolve("127.0.0.16.reservation"), "pid=not-a-number\n");
        Files.write(dir.resolve("127.0.0.17.reservation"), new byte[] {0, (byte) 0xff, '\\', 'u'});

        assertThat(pool().reclaimStale(NO_LEFTOVERS)).extracting(LoopbackAliasPool.Reservation::alias)
                .containsExactly("127.0.0.16", "127.0.0.17");
        assertThat(pool().reservations()).isEmpty();
    }

    @Test
    void reclaimStaleKeepsLiveReservations() throws Exception {
        LoopbackAliasPool pool = pool();
        pool.reserve("alive", NO_LEFTOVERS);
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Files.writeString(dir.resolve("127.0.0.20.reservation"), "pid=" + dead.pid() + "\nbottle=gone\n");

        assertThat(pool.reclaimStale(NO_LEFTOVERS)).extracting(LoopbackAliasPool.Reservation::bottleId)
                .containsExactly("gone");
        assertThat(pool.reservations()).extracting(LoopbackAliasPool.Reservation::bottleId).containsExactly("alive");
    }

    @Test
    void releaseFreesALiveBottlesAliasOnlyAfterItsLeftoversAreGoneAndKeepsItIfThatFails() {
        LoopbackAliasPool pool = pool();
        LoopbackAliasPool.Lease lease = pool.reserve("running", NO_LEFTOVERS);

        assertThatThrownBy(() -> pool.release("running", r -> {
            throw new SmolvmException("machine is busy");
        })).hasMessage("machine is busy");
        assertThat(lease.held()).isTrue();

        List<String> evicted = new ArrayList<>();
        assertThat(pool.release("running", r -> {
            // under the pool lock: the alias is still reserved while the VM goes
            assertThat(Files.exists(dir.resolve(r.alias() + ".reservation"))).isTrue();
            evicted.add(r.alias());
        })).isTrue();
        assertThat(evicted).containsExactly("127.0.0.16");
        assertThat(lease.held()).isFalse();
        assertThat(pool.release("running", NO_LEFTOVERS)).isFalse();
    }

    @Test
    void runIfHeldRunsNothingOnceTheAliasWasReleasedAndTakenByAnotherBottle() {
        LoopbackAliasPool pool = pool();
        LoopbackAliasPool.Lease first = pool.reserve("first", NO_LEFTOVERS);
        AtomicInteger ran = new AtomicInteger();
        assertThat(pool.runIfHeld(first, ran::incrementAndGet)).isTrue();

        pool.release("first", NO_LEFTOVERS);
        LoopbackAliasPool.Lease second = pool.reserve("second", NO_LEFTOVERS);
        assertThat(second.alias()).isEqualTo(first.alias());

        assertThat(pool.runIfHeld(first, ran::incrementAndGet)).isFalse();
        assertThat(ran).hasValue(1);
        assertThat(pool.runIfHeld(second, ran::incrementAndGet)).isTrue();
    }

    @Test
    void anyReservationInOnlyLooksAndCreatesNothing() {
        Path absent = dir.resolve("absent");
        assertThat(LoopbackAliasPool.anyReservationIn(absent)).isFalse();
        assertThat(absent).doesNotExist();
        pool().reserve("a", NO_LEFTOVERS);
        assertThat(LoopbackAliasPool.anyReservationIn(dir)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc", "a/b", "x\npid=1", "", "-leading-dash", "with space"})
    void bottleIdsThatCouldForgeAReservationAreRefused(String id) {
        assertThatThrownBy(() -> pool().reserve(id, NO_LEFTOVERS)).isInstanceOf(IllegalArgumentException.class);
        assertThat(pool().reservations()).isEmpty();
    }

    @Test
    void missingAliasesAreAddedUnderTheLockBeforeTheReservation() {
        List<List<String>> ensured = Collections.synchronizedList(new ArrayList<>());
        LoopbackAliasPool pool = new LoopbackAliasPool(dir, ensured::add, ProcessHandle.current());

        pool.reserve("a", NO_LEFTOVERS);

        assertThat(ensured).containsExactly(LoopbackAliasPool.ALIASES);
    }

    @Test
    void aFailedAliasSetupReservesNothing() {
        LoopbackAliasPool pool = new LoopbackAliasPool(dir, aliases -> {
            throw new SmolvmException("sudo said no");
        }, ProcessHandle.current());

        assertThatThrownBy(() -> pool.reserve("a", NO_LEFTOVERS)).hasMessage("sudo said no");
        assertThat(pool().reservations()).isEmpty();
    }

    @Test
    void manyThreadsRacingNeverShareAnAlias() throws Exception {
        for (int round = 0; round < 10; round++) {
            Path roundDir = Files.createDirectory(dir.resolve("round" + round));
            // Separate pool objects over one directory, like separate launchers.
            ConcurrentLinkedQueue<String> got = new ConcurrentLinkedQueue<>();
            AtomicInteger exhausted = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            try (ExecutorService threads = Executors.newFixedThreadPool(24)) {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 24; t++) {
                    int id = t;
                    done.add(threads.submit(() -> {
                        go.await();
                        try {
                            got.add(new LoopbackAliasPool(roundDir, LoopbackInterface.alreadyLocal(), ProcessHandle.current())
                                    .reserve("t" + id, NO_LEFTOVERS).alias());
                        } catch (SmolvmException e) {
                            exhausted.incrementAndGet();
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : done) {
                    f.get(30, TimeUnit.SECONDS);
                }
            }
            assertThat(got).doesNotHaveDuplicates().hasSize(16);
            assertThat(exhausted).hasValue(8);
        }
    }

    @Test
    void severalLauncherProcessesRacingNeverShareAnAliasAndTheirDeathFreesThem() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Process> workers = new ArrayList<>();
        for (int w = 0; w < 5; w++) {
            workers.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    AliasPoolWorker.class.getName(), dir.toString(), "w" + w, "4")
                    .redirectErrorStream(true).start());
        }
        List<String> reserved = new ArrayList<>();
        int exhausted = 0;
        try {
            List<BufferedReader> outs = new ArrayList<>();
            for (Process worker : workers) {
                BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
                assertThat(out.readLine()).isEqualTo("ready");
                outs.add(out);
            }
            for (Process worker : workers) {
                worker.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
                worker.getOutputStream().flush();
            }
            for (BufferedReader out : outs) {
                for (String line = out.readLine(); line != null && !line.equals("holding"); line = out.readLine()) {
                    if (line.startsWith("reserved ")) {
                        reserved.add(line.substring("reserved ".length()));
                    } else if (line.equals("exhausted")) {
                        exhausted++;
                    } else {
                        throw new AssertionError("worker said: " + line);
                    }
                }
            }
            // 5 processes x 4 wanted 20 of 16 aliases.
            assertThat(reserved).doesNotHaveDuplicates().hasSize(16);
            assertThat(exhausted).isEqualTo(4);
            Set<Long> owners = new HashSet<>();
            pool().reservations().forEach(r -> {
                assertThat(r.live()).isTrue();
                owners.add(r.pid());
            });
            assertThat(owners).hasSize(5).doesNotContain(ProcessHandle.current().pid());
            assertThatThrownBy(() -> pool().reserve("late", NO_LEFTOVERS)).isInstanceOf(SmolvmException.class);
        } finally {
            for (Process worker : workers) {
                worker.destroyForcibly(); // a killed launcher: no release, no cleanup
                worker.waitFor(30, TimeUnit.SECONDS);
            }
        }
        assertThat(pool().reclaimStale(NO_LEFTOVERS)).extracting(LoopbackAliasPool.Reservation::alias)
                .containsExactlyInAnyOrderElementsOf(reserved);
        assertThat(pool().reserve("after", NO_LEFTOVERS).alias()).isEqualTo("127.0.0.16");
    }

    private static String reservation(ProcessHandle owner, String bottle) {
        return "pid=" + owner.pid() + "\nstarted=" + owner.info().startInstant().map(Object::toString).orElse("")
                + "\nbottle=" + bottle + "\n";
    }
}
