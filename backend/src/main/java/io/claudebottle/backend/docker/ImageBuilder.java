package io.claudebottle.backend.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.model.BuildResponseItem;
import io.claudebottle.backend.Backend.Progress;
import io.claudebottle.backend.BackendException;
import io.claudebottle.backend.BottleLaunch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Builds the bottle images without any registry: a debootstrap base imported into Docker, then the
 * agent and sidecar images FROM it with host-prepared contents and no network during the build.
 * Every tag is a content hash of its inputs, so each image is built once per change of inputs.
 */
public final class ImageBuilder {

    static final String BASE_REPO = "claude-bottle-base";
    static final String AGENT_REPO = "claude-bottle-agent";
    static final String SIDECAR_REPO = "claude-bottle-sidecar";
    static final String SUITE = "bookworm";
    /** Everything the images need at run time, so that no build step needs the network. */
    static final List<String> BASE_PACKAGES =
            List.of("bash", "ca-certificates", "curl", "git", "iptables", "procps", "passwd", "openssh-client");
    /** Bumped when the base recipe changes in a way the inputs above do not show. */
    private static final String BASE_RECIPE = "debootstrap-minbase-v1";
    /**
     * The sidecar's JDK modules. Every security provider {@code java.security} lists must be here
     * (java.xml.crypto, java.smartcardio, jdk.security.jgss, jdk.crypto.cryptoki): when one is missing,
     * an algorithm lookup that reaches it makes the JDK instantiate every provider on the class path
     * instead, BouncyCastle's full and post-quantum providers included, which cost seconds per start.
     */
    static final List<String> JRE_MODULES = List.of("java.base", "java.logging", "java.management", "java.naming",
            "java.net.http", "java.rmi", "java.security.jgss", "java.sql", "java.xml", "jdk.crypto.ec", "jdk.unsupported",
            "jdk.zipfs", "jdk.management", "jdk.httpserver",
            "java.xml.crypto", "java.smartcardio", "jdk.security.jgss", "jdk.crypto.cryptoki");
    /** Bumped when the sidecar image's recipe changes in a way its inputs do not show. */
    private static final String SIDECAR_RECIPE = "cds|unsigned-jars|native-libs";

    /** docker-java, for builds and pruning; set up on first use (a start with its images built needs none). */
    private final Supplier<DockerClient> docker;
    private final EngineApi api;
    private final Progress progress;
    private final boolean offline;
    private final Path cacheDir;

    public ImageBuilder(DockerClient docker, Progress progress, boolean offline) {
        this(() -> docker, EngineApi.of(docker), progress, offline, defaultCacheDir());
    }

    /** On a backend's connection. */
    public ImageBuilder(DockerBackend backend, Progress progress, boolean offline) {
        this(backend::client, backend.api(), progress, offline, defaultCacheDir());
    }

    ImageBuilder(DockerClient docker, Progress progress, boolean offline, Path cacheDir) {
        this(() -> docker, EngineApi.of(docker), progress, offline, cacheDir);
    }

    private ImageBuilder(Supplier<DockerClient> docker, EngineApi api, Progress progress, boolean offline, Path cacheDir) {
        this.docker = docker;
        this.api = api;
        this.progress = progress;
        this.offline = offline;
        this.cacheDir = cacheDir;
    }

    static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg == null || xdg.isBlank() ? Path.of(System.getProperty("user.home"), ".cache") : Path.of(xdg);
        return base.resolve("claude-bottle");
    }

    /** Both images of a bottle, built if missing. */
    public BottleLaunch.Images ensureAll(SidecarApp sidecar) {
        String base = baseImage();
        return new BottleLaunch.Images(agentImage(base), sidecarImage(base, sidecar));
    }

    /**
     * Both images of a bottle when they are already built, else empty; builds and installs nothing, so
     * a launcher can ask while its preflight waits for the user. The three lookups run side by side.
     */
    public Optional<BottleLaunch.Images> existing(SidecarApp sidecar) {
        String override = System.getenv("BOTTLE_BASE_IMAGE");
        String base = override == null || override.isBlank() ? baseTag() : override;
        String agent;
        try {
            agent = agentTag(base, ClaudeBinary.locate(false, progress));
        } catch (BackendException e) {
            return Optional.empty(); // no Claude Code on the host yet: ensureAll installs it
        }
        List<String> tags = List.of(base, agent, sidecarTag(base, sidecar));
        List<CompletableFuture<Boolean>> found = tags.stream()
                .map(tag -> CompletableFuture.supplyAsync(() -> exists(tag), Thread::startVirtualThread)).toList();
        return found.stream().allMatch(CompletableFuture::join)
                ? Optional.of(new BottleLaunch.Images(tags.get(1), tags.get(2))) : Optional.empty();
    }

    /** The base image: {@code BOTTLE_BASE_IMAGE} if set, else the debootstrap-built one. */
    public String baseImage() {
        String override = System.getenv("BOTTLE_BASE_IMAGE");
        if (override != null && !override.isBlank()) {
            if (!exists(override)) {
                throw new BackendException("BOTTLE_BASE_IMAGE=" + override + " is not a local image; build or load it"
                        + " first (it must already contain " + String.join(", ", BASE_PACKAGES) + ")");
            }
            return override;
        }
        String tag = baseTag();
        if (exists(tag)) {
            return tag;
        }
        buildBase(tag);
        return tag;
    }

    private static String baseTag() {
        return BASE_REPO + ":" + new ContentHash(null).add("recipe", BASE_RECIPE).add("suite", SUITE)
                .add("packages", String.join(",", BASE_PACKAGES)).tag();
    }

    private String agentTag(String base, Path claude) {
        return AGENT_REPO + ":" + hash().add("base", base).add("Dockerfile", resource("agent/Dockerfile"))
                .add("entrypoint.sh", resource("agent/entrypoint.sh")).addPath("claude", claude).tag();
    }

    private String sidecarTag(String base, SidecarApp app) {
        ContentHash hash = hash().add("base", base).add("Dockerfile", resource("sidecar/Dockerfile"))
                .add("entrypoint.sh", resource("sidecar/entrypoint.sh"))
                .add("jre", Runtime.version() + "|" + SIDECAR_RECIPE + "|" + String.join(",", JRE_MODULES)).add("main", app.mainAndArgs());
        for (int i = 0; i < app.classpath().size(); i++) {
            hash.addPath("cp" + i, app.classpath().get(i));
        }
        return SIDECAR_REPO + ":" + hash.tag();
    }

    /** The kind label of a sidecar image: its main class, so a test sidecar never supersedes the real one. */
    static String sidecarKind(SidecarApp app) {
        return "sidecar " + app.mainAndArgs().split(" ", 2)[0];
    }

    /**
     * {@code bottle images prune}: removes every bottle image except the ones this build of bottle
     * would use now, and those a container still uses. Builds nothing.
     */
    public List<String> prune(SidecarApp sidecar) {
        java.util.Set<String> keep = new java.util.HashSet<>();
        String base = System.getenv("BOTTLE_BASE_IMAGE");
        base = base == null || base.isBlank() ? baseTag() : base;
        keep.add(base);
        keep.add(sidecarTag(base, sidecar));
        try {
            keep.add(agentTag(base, ClaudeBinary.locate(false, progress)));
        } catch (BackendException e) {
            // no Claude Code on this host: no agent image is current
        }
        return new ImagePruner(docker.get()).removeAllBut(keep);
    }

    public String agentImage(String base) {
        Path claude = ClaudeBinary.locate(!offline, progress);
        byte[] dockerfile = resource("agent/Dockerfile");
        byte[] entrypoint = resource("agent/entrypoint.sh");
        String tag = agentTag(base, claude);
        if (exists(tag)) {
            return tag;
        }
        Path context = tempDir("agent-context");
        try {
            Files.write(context.resolve("Dockerfile"), dockerfile);
            executable(Files.write(context.resolve("entrypoint.sh"), entrypoint));
            linkOrCopy(claude, context.resolve("claude"));
            build(context, tag, base, "agent image", "agent");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the agent image context in " + context, e);
        } finally {
            deleteTree(context);
        }
        return tag;
    }

    public String sidecarImage(String base, SidecarApp app) {
        byte[] dockerfile = resource("sidecar/Dockerfile");
        byte[] entrypoint = resource("sidecar/entrypoint.sh");
        String tag = sidecarTag(base, app);
        if (exists(tag)) {
            return tag;
        }
        Path context = tempDir("sidecar-context");
        try {
            Files.write(context.resolve("Dockerfile"), dockerfile);
            executable(Files.write(context.resolve("entrypoint.sh"), entrypoint));
            progress.step("sidecar image: jlink'ing a JDK " + Runtime.version().feature() + " runtime");
            Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
            if (!Files.isExecutable(jlink)) {
                throw new BackendException("no jlink at " + jlink + ": run bottle on a full JDK 25, not a JRE");
            }
            exec(List.of(jlink.toString(), "--add-modules", String.join(",", JRE_MODULES), "--strip-debug",
                    "--no-header-files", "--no-man-pages", "--generate-cds-archive", "--output", context.resolve("jre").toString()), 300);
            Path appDir = Files.createDirectories(context.resolve("app"));
            List<String> classpath = new ArrayList<>();
            for (int i = 0; i < app.classpath().size(); i++) {
                Path entry = app.classpath().get(i);
                String name = "%02d-%s".formatted(i, entry.getFileName());
                if (Files.isDirectory(entry)) {
                    copyTree(entry, appDir.resolve(name));
                } else if (!UnsignedJar.copyIfSigned(entry, appDir.resolve(name))) {
                    linkOrCopy(entry, appDir.resolve(name));
                }
                classpath.add("/opt/bottle/app/" + name);
            }
            NettyNatives.unpack(app.classpath(), appDir.resolve("native"));
            Files.writeString(appDir.resolve("classpath"), String.join(":", classpath));
            Files.writeString(appDir.resolve("main-class"), app.mainAndArgs());
            build(context, tag, base, "sidecar image", sidecarKind(app));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the sidecar image context in " + context, e);
        } finally {
            deleteTree(context);
        }
        return tag;
    }

    private void buildBase(String tag) {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new BackendException("the base image " + tag + " is missing and building it runs debootstrap, which"
                    + " needs root: run `sudo ./bottle images build --offline` once (or set BOTTLE_BASE_IMAGE)");
        }
        String mirror = DebianMirror.find(SUITE, Path.of("/etc/apt")).orElseThrow(() -> new BackendException(
                "no Debian " + SUITE + " mirror in /etc/apt/sources.list(.d); set BOTTLE_DEBIAN_MIRROR to one"));
        Path rootfs = tempDir("rootfs");
        try {
            progress.step("base image: debootstrap --variant=minbase " + SUITE + " from " + mirror + " (about a minute)");
            exec(List.of("debootstrap", "--variant=minbase", "--include=" + String.join(",", BASE_PACKAGES), SUITE,
                    rootfs.toString(), mirror), 900);
            exec(List.of("sh", "-c", "rm -rf \"$0\"/var/cache/apt/archives/*.deb \"$0\"/var/lib/apt/lists/*",
                    rootfs.toString()), 60);
            progress.step("base image: importing the root file system as " + tag);
            // The docker CLI streams the import; docker-java's zerodep transport truncates large import bodies.
            exec(List.of("bash", "-c", "set -o pipefail; tar --numeric-owner -C \"$0\" -c . | docker import"
                    + " --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'"
                    + " --change 'LABEL " + ImagePruner.KIND + "=base' - \"$1\"",
                    rootfs.toString(), tag), 600);
        } finally {
            deleteTree(rootfs);
        }
        if (!exists(tag)) {
            throw new BackendException("docker import did not produce " + tag);
        }
        pruneSuperseded("base", tag);
    }

    private void build(Path context, String tag, String base, String what, String kind) {
        progress.step(what + ": docker build " + tag);
        try {
            docker.get().buildImageCmd()
                    .withBaseDirectory(context.toFile())
                    .withDockerfile(context.resolve("Dockerfile").toFile())
                    .withBuildArg("BASE", base)
                    .withTags(Set.of(tag))
                    .withNetworkMode("none")
                    .withPull(false)
                    .withRemove(true)
                    .withLabels(Map.of("io.claudebottle.image", what, ImagePruner.KIND, kind))
                    .exec(new BuildImageResultCallback() {
                        @Override
                        public void onNext(BuildResponseItem item) {
                            if (item.getStream() != null && item.getStream().startsWith("Step ")) {
                                progress.step("  " + item.getStream().strip());
                            }
                            super.onNext(item);
                        }
                    })
                    .awaitImageId(20, TimeUnit.MINUTES);
        } catch (RuntimeException e) {
            throw new BackendException("docker build of " + what + " " + tag + " failed: " + e.getMessage(), e);
        }
        pruneSuperseded(kind, tag);
    }

    private void pruneSuperseded(String kind, String tag) {
        try {
            List<String> removed = new ImagePruner(docker.get()).removeSuperseded(kind, tag, ImagePruner.GRACE);
            if (!removed.isEmpty()) {
                progress.step("removed superseded images: " + String.join(", ", removed));
            }
        } catch (RuntimeException e) {
            progress.step("could not remove superseded images (" + e.getMessage() + "); `bottle images prune` retries");
        }
    }

    boolean exists(String image) {
        return api.find("/images/" + image + "/json").isPresent();
    }

    private ContentHash hash() {
        return new ContentHash(cacheDir.resolve("digests.properties"));
    }

    private static byte[] resource(String name) {
        try (InputStream in = ImageBuilder.class.getResourceAsStream("/images/" + name)) {
            if (in == null) {
                throw new BackendException("images/" + name + " is missing from the bottle jar; rebuild it");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path tempDir(String what) {
        try {
            Path root = Files.createDirectories(cacheDir.resolve("build"));
            return Files.createTempDirectory(root, what);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a build directory under " + cacheDir, e);
        }
    }

    private void exec(List<String> command, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            StringBuilder tail = new StringBuilder();
            try (var reader = p.inputReader(StandardCharsets.UTF_8)) {
                java.util.Set<String> phases = new java.util.HashSet<>();
                for (String line; (line = reader.readLine()) != null; ) {
                    // one line per debootstrap phase ("I: Retrieving", "I: Extracting", ...), not per package
                    String[] words = line.split(" ", 3);
                    if (words.length >= 2 && words[0].equals("I:") && phases.add(words[1])) {
                        progress.step("  " + line);
                    }
                    tail.append(line).append('\n');
                    if (tail.length() > 4000) {
                        tail.delete(0, tail.length() - 4000);
                    }
                }
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BackendException(command.getFirst() + " did not finish within " + timeoutSeconds + " s");
            }
            if (p.exitValue() != 0) {
                throw new BackendException(command.getFirst() + " failed (exit " + p.exitValue() + "):\n" + tail);
            }
        } catch (IOException e) {
            throw new BackendException("cannot run " + command.getFirst() + " (" + e.getMessage() + "); is it installed?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("interrupted while running " + command.getFirst(), e);
        }
    }

    private static void executable(Path file) throws IOException {
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void linkOrCopy(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        try {
            new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).start().waitFor(120, TimeUnit.SECONDS);
        } catch (IOException e) {
            // a leftover temporary directory under the cache is harmless
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
