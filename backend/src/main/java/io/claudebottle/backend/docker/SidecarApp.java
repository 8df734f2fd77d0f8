package io.claudebottle.backend.docker;

import io.claudebottle.sidecar.Sidecar;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /** The runtime artifacts of the sidecar module ({@code mvn dependency:list}, written by its build). */
    private static final String SIDECAR_ARTIFACTS = "/META-INF/bottle/sidecar-runtime.artifacts";

    private static final Pattern LISTED_ARTIFACT = Pattern.compile("^\\s*[^:\\s]+:([^:\\s]+):[^:\\s]+:(?:([^:\\s]+):)?[^:\\s]+:[a-z]+\\b");
    private static final Pattern PLATFORM_JAR = Pattern.compile("-(android|ios|linux|macosx|osx|windows)-([a-z0-9_]+)\\.jar$");

    public SidecarApp {
        classpath = List.copyOf(classpath);
        Objects.requireNonNull(mainAndArgs, "mainAndArgs");
    }

    /** What {@code bottle start} puts in the sidecar image: {@link #production(List)} of this JVM's class path. */
    public static SidecarApp production() {
        return production(ofThisJvm(CLI_SIDECAR).classpath());
    }

    /**
     * {@link #CLI_SIDECAR} on the jars of {@code cliClasspath} the sidecar runs on: the sidecar
     * module's runtime artifacts at the versions the CLI resolved, and the module of the main class;
     * native jars only for Linux on this machine's architecture. The CLI's own dependencies (Docker
     * client, SQLite, picocli, JNA) stay out of the JVM that parses agent traffic, and its start
     * scans fewer jars. A class path with class directories (a build tree, tests) is kept whole:
     * directories cannot be told apart by artifact.
     */
    public static SidecarApp production(List<Path> cliClasspath) {
        String artifacts = sidecarArtifacts();
        if (artifacts == null || cliClasspath.stream().anyMatch(p -> !p.getFileName().toString().endsWith(".jar"))) {
            return new SidecarApp(cliClasspath, CLI_SIDECAR);
        }
        return new SidecarApp(sidecarJars(cliClasspath, artifacts, System.getProperty("os.arch")), CLI_SIDECAR);
    }

    /**
     * The entries of {@code classpath} that {@code artifactList} (lines of {@code mvn dependency:list})
     * names by artifact id and classifier, whatever their version, and the sidecar's and the main
     * class's own modules; without native jars for other platforms than Linux on {@code osArch}.
     */
    static List<Path> sidecarJars(List<Path> classpath, String artifactList, String osArch) {
        List<Artifact> artifacts = new ArrayList<>(List.of(new Artifact("bottle-sidecar", null),
                new Artifact("bottle-backend", null), // ContainerSidecarMain
                new Artifact("slf4j-nop", null))); // the CLI's choice: JGit's and sshd's logging stays quiet
        for (String line : artifactList.split("\\R")) {
            Matcher m = LISTED_ARTIFACT.matcher(line);
            if (m.find()) {
                artifacts.add(new Artifact(m.group(1), m.group(2)));
            }
        }
        String arch = normalArch(osArch);
        List<Path> kept = new ArrayList<>();
        for (Path entry : classpath) {
            String name = entry.getFileName().toString();
            Matcher platform = PLATFORM_JAR.matcher(name);
            boolean otherPlatform = platform.find()
                    && !(platform.group(1).equals("linux") && normalArch(platform.group(2)).equals(arch));
            if (!otherPlatform && artifacts.stream().anyMatch(a -> a.isJar(name))) {
                kept.add(entry);
            }
        }
        return kept;
    }

    /** A Maven artifact by id and classifier ({@code null}: any), whatever its version. */
    private record Artifact(String id, String classifier) {
        /** Whether {@code name} is {@code id-<version>[-classifier].jar}, as Maven names copied dependencies. */
        boolean isJar(String name) {
            return name.length() > id.length() + 1 && name.startsWith(id + "-") && Character.isDigit(name.charAt(id.length() + 1))
                    && (classifier == null || name.endsWith("-" + classifier + ".jar"));
        }
    }

    private static String normalArch(String arch) {
        return switch (arch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "aarch_64", "arm64" -> "arm64";
            default -> arch.toLowerCase(Locale.ROOT);
        };
    }

    private static String sidecarArtifacts() {
        try (InputStream in = Sidecar.class.getResourceAsStream(SIDECAR_ARTIFACTS)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
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
