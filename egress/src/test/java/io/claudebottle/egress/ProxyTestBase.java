package io.claudebottle.egress;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * What every proxy test class sets up: a {@link Fixture} (CA, resolver, audit file; each test
 * starts the proxy with its own settings) in a fresh directory, and one loopback upstream named
 * {@code allowed.test}. Both are closed after each test, after the subclass's own clean-up.
 */
abstract class ProxyTestBase {
    @TempDir
    Path tmp;
    Fixture fx;
    TestUpstream up;

    /** The upstream this class's tests talk to; plain HTTP unless a subclass says otherwise. */
    TestUpstream upstream() throws Exception {
        return TestUpstream.http();
    }

    @BeforeEach
    final void openFixtureAndUpstream() throws Exception {
        fx = new Fixture(tmp);
        up = upstream();
    }

    @AfterEach
    final void closeFixtureAndUpstream() {
        up.close();
        fx.close();
    }

    /** The upstream as an allowlist entry and request authority. */
    String target() {
        return "allowed.test:" + up.port();
    }
}
