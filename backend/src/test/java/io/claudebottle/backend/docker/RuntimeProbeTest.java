package io.claudebottle.backend.docker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** runsc is chosen only when registered and a probe container runs under it; the verdict is remembered. */
class RuntimeProbeTest {

    @Test
    void aRuntimeThatCannotRunAContainerIsNotChosen(@TempDir Path cache) throws Exception {
        DockerTestSupport.assumeDocker();
        try (DockerBackend backend = DockerBackend.open()) {
            String image = new ImageBuilder(backend.client(), m -> { }, true).baseImage();
            assertThat(RuntimeDetector.probe(backend.client(), "runc", image).works()).isTrue();
            // a runtime dockerd does not know fails the probe instead of a bottle
            RuntimeDetector.Verdict broken = RuntimeDetector.probe(backend.client(), "no-such-runtime", image);
            assertThat(broken.works()).isFalse();
            assertThat(broken.detail()).contains("no-such-runtime");
            // a remembered failure keeps runsc out without probing again, even when it is registered
            String key = "test-engine-" + System.nanoTime();
            Files.writeString(cache.resolve("runtimes.properties"), key + "=failed\\: earlier probe\n");
            assertThat(RuntimeDetector.verdict(backend.client(), "runsc", key, cache).works()).isFalse();
            // the automatic choice is runsc exactly when it is registered and its probe passed
            boolean registered = RuntimeDetector.registered(backend.client()).contains("runsc");
            String chosen = RuntimeDetector.choose(backend.client(), Optional.empty(), cache);
            assertThat(chosen).isEqualTo(registered
                    && RuntimeDetector.probe(backend.client(), "runsc", image).works() ? "runsc" : "runc");
        }
    }
}
