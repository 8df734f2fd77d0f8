import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Build step of the CLI ({@code java AotReadyJars.java DIR}, run by Maven after the runtime
 * dependencies are copied to {@code DIR}): rewrites the jars whose classes a JDK AOT cache
 * (JEP 483) would skip, so that {@code bottle start} finds them loaded and linked instead of
 * parsing and verifying them on every start.
 *
 * <ul>
 *   <li>Signed jars (BouncyCastle, JGit) lose their signature files: the JVM excludes signed
 *       classes from the cache and re-hashes every entry it reads. Signatures are not this
 *       project's trust anchor; Maven checked each jar's checksum when it downloaded it.
 *   <li>Classes older than Java 6 (picocli, slf4j) are re-emitted as Java 8 classes with stack
 *       maps: the cache cannot hold classes that only the old type-inferring verifier checks. A
 *       class whose rewrite fails the JDK's own verifier is kept as it was.
 * </ul>
 * Idempotent: a jar with nothing to change is not touched (and keeps its time stamp).
 */
public final class AotReadyJars {

    private static final Pattern SIGNATURE = Pattern.compile("META-INF/[^/]+\\.(SF|RSA|DSA|EC)|META-INF/SIG-[^/]+");
    private static final int JAVA_6 = 50;
    private static final int JAVA_8 = 52;

    public static void main(String[] args) throws IOException {
        if (args.length != 1 || !Files.isDirectory(Path.of(args[0]))) {
            System.err.println("usage: java AotReadyJars.java LIB_DIR (a directory of jars)");
            System.exit(2);
        }
        List<Path> jars;
        try (Stream<Path> files = Files.list(Path.of(args[0]))) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            urls[i] = jars.get(i).toUri().toURL();
        }
        try (URLClassLoader all = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
            ClassHierarchyResolver hierarchy = ClassHierarchyResolver.defaultResolver()
                    .orElse(ClassHierarchyResolver.ofResourceParsing(all)).cached();
            for (Path jar : jars) {
                rewrite(jar, hierarchy);
            }
        }
    }

    private static void rewrite(Path jar, ClassHierarchyResolver hierarchy) throws IOException {
        boolean signed;
        boolean old;
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            signed = zip.stream().anyMatch(e -> SIGNATURE.matcher(e.getName()).matches());
            old = zip.stream().filter(e -> e.getName().endsWith(".class"))
                    .anyMatch(e -> major(read(zip, e)) < JAVA_6);
        }
        if (!signed && !old) {
            return;
        }
        ClassFile classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(hierarchy),
                ClassFile.StackMapsOption.GENERATE_STACK_MAPS);
        Path tmp = Files.createTempFile(jar.getParent(), jar.getFileName().toString(), ".tmp");
        int upgraded = 0;
        List<String> kept = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(tmp))) {
            for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                String name = entry.getName();
                if (SIGNATURE.matcher(name).matches()) {
                    continue;
                }
                byte[] bytes = entry.isDirectory() ? new byte[0] : read(zip, entry);
                if (name.equals("META-INF/MANIFEST.MF") && signed) {
                    bytes = mainAttributesOnly(bytes);
                } else if (name.endsWith(".class") && major(bytes) < JAVA_6) {
                    byte[] newer = toJava8(classFile, bytes);
                    if (newer == null) {
                        kept.add(name);
                    } else {
                        bytes = newer;
                        upgraded++;
                    }
                }
                ZipEntry copy = new ZipEntry(name);
                copy.setTime(entry.getTime());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        // a temporary file is private; the jar must stay readable to whoever runs bottle (tests run it as nobody)
        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(jar));
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("AotReadyJars: " + jar.getFileName() + (signed ? ": signature removed" : "")
                + (upgraded > 0 ? ": " + upgraded + " classes re-emitted as Java 8" : "")
                + (kept.isEmpty() ? "" : ": " + kept.size() + " kept as they were (rewrite failed verification), e.g. " + kept.getFirst()));
    }

    /**
     * The class as a Java 8 class file with stack maps, or null when the JDK's verifier rejects the
     * result. Rebuilding every method body (rather than copying it) is what generates the maps.
     */
    private static byte[] toJava8(ClassFile classFile, byte[] bytes) {
        try {
            ClassTransform upgrade = (builder, element) -> {
                if (element instanceof ClassFileVersion) {
                    builder.withVersion(JAVA_8, 0);
                } else {
                    builder.with(element);
                }
            };
            byte[] newer = classFile.transformClass(classFile.parse(bytes),
                    upgrade.andThen(ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)));
            return major(newer) == JAVA_8 && classFile.verify(newer).isEmpty() ? newer : null;
        } catch (IllegalArgumentException | IllegalStateException e) {
            return null;
        }
    }

    private static byte[] mainAttributesOnly(byte[] manifest) throws IOException {
        Manifest m = new Manifest(new java.io.ByteArrayInputStream(manifest));
        m.getEntries().clear(); // the per-entry digests belong to the removed signature
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.write(out);
        return out.toByteArray();
    }

    private static int major(byte[] classBytes) {
        return classBytes.length < 8 ? Integer.MAX_VALUE : ((classBytes[6] & 0xff) << 8) | (classBytes[7] & 0xff);
    }

    private static byte[] read(ZipFile zip, ZipEntry entry) {
        try (InputStream in = zip.getInputStream(entry)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(zip.getName() + "!" + entry.getName() + ": " + e.getMessage(), e);
        }
    }
}
