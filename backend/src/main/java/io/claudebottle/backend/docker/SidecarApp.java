package io.claudebottle.backend.docker;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.jar.JarFile;

/**
 * What the sidecar image runs: a class path (jars and class directories) and the main class with its
 * leading arguments, e.g. {@code io.claudebottle.cli.BottleCli sidecar --config /run/bottle/config.json}.
 */
public record SidecarApp(List<Path> classpath, String mainAndArgs) {

    /**
     * The production entry point: {@link ContainerSidecarMain} from the CLI jar's class path (the
     * contract of {@code bottle sidecar --config}, without picocli, whose classes the AOT cache cannot hold).
     */
    public static final String CLI_SIDECAR = ContainerSidecarMain.class.getName() + " /run/bottle/config.json";

    public SidecarApp {
        classpath = List.copyOf(classpath);
        Objects.requireNonNull(mainAndArgs, "mainAndArgs");
    }

    /**
     * The class path of this JVM (following jar manifests' {@code Class-Path}, as {@code java -jar
     * bottle.jar} needs), minus test-only entries.
     */
    public static SidecarApp ofThisJvm(String mainAndArgs) {
        Set<Path> entries = new LinkedHashSet<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                addWithManifest(Path.of(entry).toAbsolutePath().normalize(), entries);
            }
        }
        List<Path> kept = new ArrayList<>();
        for (Path p : entries) {
            String name = p.getFileName().toString();
            boolean testOnly = name.equals("test-classes") || name.startsWith("junit-") || name.startsWith("assertj-")
                    || name.startsWith("opentest4j") || name.startsWith("apiguardian") || name.startsWith("byte-buddy")
                    || name.startsWith("surefire") || name.startsWith("common-java5") || name.startsWith("common-junit");
            if (Files.exists(p) && !testOnly) {
                kept.add(p);
            }
        }
        return new SidecarApp(kept, mainAndArgs);
    }

    private static void addWithManifest(Path entry, Set<Path> into) {
        if (!into.add(entry) || !entry.toString().endsWith(".jar") || !Files.isRegularFile(entry)) {
            return;
        }
        try (JarFile jar = new JarFile(entry.toFile())) {
            var manifest = jar.getManifest();
            String cp = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
            if (cp != null) {
                for (String rel : cp.trim().split("\\s+")) {
                    addWithManifest(entry.getParent().resolve(rel).normalize(), into);
                }
            }
        } catch (IOException e) {
            // not a readable jar: keep it as given, the JVM will complain if it matters
        }
    }
}
