package io.claudebottle.backend;

import java.time.Instant;

/** One bottle as {@code bottle ps} shows it. */
public record BottleInfo(String bottleId, String agent, String bottle, Instant created, String runtime,
                         boolean launcherAlive, String state) {
}
