package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import io.claudebottle.backend.BottleLaunch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds (once per content change) the images the Docker tests run. */
final class TestImages {

    private static BottleLaunch.Images fake;

    private TestImages() {
    }

    /** The agent image and a sidecar image running {@link FakeSidecar}. */
    static synchronized BottleLaunch.Images withFakeSidecar(DockerClient docker) {
        if (fake == null) {
            var builder = new ImageBuilder(docker, m -> System.err.println("[images] " + m), true);
            String base = builder.baseImage();
            fake = new BottleLaunch.Images(builder.agentImage(base),
                    builder.sidecarImage(base, new SidecarApp(List.of(fakeSidecarClasses()), FakeSidecar.class.getName())));
        }
        return fake;
    }

    /** A directory holding only the fake sidecar's classes, so that other test changes do not rebuild its image. */
    private static Path fakeSidecarClasses() {
        try {
            Path classes = Path.of(FakeSidecar.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "bottle-fake-sidecar");
            Path pkg = dir.resolve("io/claudebottle/backend/docker");
            Files.createDirectories(pkg);
            try (var files = Files.list(classes.resolve("io/claudebottle/backend/docker"))) {
                for (Path f : files.filter(p -> p.getFileName().toString().startsWith("FakeSidecar")).toList()) {
                    Files.write(pkg.resolve(f.getFileName()), Files.readAllBytes(f));
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
