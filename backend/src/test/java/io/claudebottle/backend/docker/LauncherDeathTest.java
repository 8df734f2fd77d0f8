package io.claudebottle.backend.docker;

import io.claudebottle.backend.BottleLaunch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.claudebottle.backend.docker.DockerTestSupport.labelled;
import static org.assertj.core.api.Assertions.assertThat;

/** SIGTERM of a launcher tears its bottle down; SIGKILL leaves labelled objects that gc finds and removes. */
class LauncherDeathTest {

    private static DockerBackend backend;
    private static BottleLaunch.Images images;

    @BeforeAll
    static void setUp() {
        DockerTestSupport.assumeDocker();
        backend = DockerBackend.open();
        images = TestImages.withFakeSidecar(backend.client());
    }

    @AfterAll
    static void tearDown() {
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void sigtermTearsTheBottleDown() throws Exception {
        Process child = launch();
        String id = awaitUp(child);
        assertThat(labelled(backend.client(), id)).isNotEmpty();
        child.destroy(); // SIGTERM
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(labelled(backend.client(), id)).isEmpty();
    }

    @Test
    void sigkillLeavesLeftoversThatGcRemoves() throws Exception {
        Process child = launch();
        String id = awaitUp(child);
        assertThat(backend.leftovers()).noneMatch(b -> b.bottleId().equals(id));
        child.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(labelled(backend.client(), id)).isNotEmpty();
        assertThat(backend.leftovers()).anyMatch(b -> b.bottleId().equals(id));
        assertThat(backend.gc()).contains(id);
        assertThat(labelled(backend.client(), id)).isEmpty();
    }

    private static Process launch() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ChildLauncher.class.getName(),
                images.agent(), images.sidecar()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static String awaitUp(Process child) throws Exception {
        var reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = reader.readLine()) != null; ) {
            if (line.startsWith("UP ")) {
                return line.substring(3).strip();
            }
        }
        throw new AssertionError("the child launcher ended before its bottle was up (exit " + child.waitFor() + ")");
    }
}
