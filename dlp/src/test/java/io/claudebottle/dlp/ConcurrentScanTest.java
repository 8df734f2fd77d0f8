package io.claudebottle.dlp;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The egress proxy scans many requests at once. Each concurrent Hyperscan scan needs its own
 * scratch state; this used to allocate a native callback per state and crashed the JVM past a
 * handful of simultaneous scans.
 */
class ConcurrentScanTest {
    private static final int SCANS_AT_ONCE = 64;

    /** The egress proxy derives a scanner per request (per-host exemptions, ignored tokens). */
    @Test
    void scannersDerivedAndDroppedOverAndOverKeepWorking() throws Exception {
        Assumptions.assumeTrue(MatchPath.hyperscanUnavailableReason() == null || Boolean.getBoolean("bottle.requireAll"),
                "Hyperscan native library unavailable: " + MatchPath.hyperscanUnavailableReason());
        SecretScanner base = SecretScanner.create(RuleFile.builtIn(), List.of(), MatchPath.HYPERSCAN);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 40; round++) {
                SecretScanner derived = base.without(java.util.Set.of("no-such-rule-" + round))
                        .ignoringValues(java.util.Set.of("token-" + round));
                List<Future<List<Finding>>> results = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    results.add(pool.submit(() -> derived.scan("aws=AKIAQ3EGRIZ7XK2PB4ZW")));
                }
                for (Future<List<Finding>> result : results) {
                    assertThat(result.get(60, TimeUnit.SECONDS)).extracting(Finding::ruleId).contains("aws-access-key-id");
                }
                if (round % 5 == 0) System.gc();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void manySimultaneousScansAllFindTheirSecret() throws Exception {
        Assumptions.assumeTrue(MatchPath.hyperscanUnavailableReason() == null || Boolean.getBoolean("bottle.requireAll"),
                "Hyperscan native library unavailable: " + MatchPath.hyperscanUnavailableReason());
        SecretScanner scanner = SecretScanner.create(RuleFile.builtIn(), List.of(), MatchPath.HYPERSCAN);
        CyclicBarrier allInFlight = new CyclicBarrier(SCANS_AT_ONCE);
        ExecutorService pool = Executors.newFixedThreadPool(SCANS_AT_ONCE);
        try {
            List<Future<List<Finding>>> results = new ArrayList<>();
            for (int i = 0; i < SCANS_AT_ONCE; i++) {
                String body = "request " + i + " key=AKIA" + "Q3EGRIZ7XK2PB4" + (char) ('A' + i % 26) + "W and nothing else";
                results.add(pool.submit(() -> {
                    allInFlight.await(30, TimeUnit.SECONDS);
                    List<Finding> first = scanner.scan(body);
                    List<Finding> again = scanner.scan(body);
                    assertThat(again).hasSameSizeAs(first);
                    return first;
                }));
            }
            for (Future<List<Finding>> result : results) {
                assertThat(result.get(60, TimeUnit.SECONDS))
                        .extracting(Finding::ruleId).contains("aws-access-key-id");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
