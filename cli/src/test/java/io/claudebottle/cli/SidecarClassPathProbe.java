package io.claudebottle.cli;

/**
 * Run by {@link SidecarClassPathIT} in a JVM on the sidecar image's class path alone: the sidecar's
 * libraries and their natives for this platform load, and the CLI's own dependencies are absent.
 * Prints one line per failed check and exits 1 if any failed.
 */
public final class SidecarClassPathProbe {

    private SidecarClassPathProbe() {
    }

    public static void main(String[] args) throws Exception {
        StringBuilder failures = new StringBuilder();
        for (String present : new String[] {"io.claudebottle.backend.docker.ContainerSidecarMain",
                "io.claudebottle.sidecar.Sidecar", "org.eclipse.jgit.transport.Daemon",
                "org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder", "org.apache.sshd.client.SshClient",
                "org.bouncycastle.cert.X509v3CertificateBuilder", "tools.jackson.databind.json.JsonMapper",
                "org.snakeyaml.engine.v2.api.Load"}) {
            try {
                Class.forName(present);
            } catch (ClassNotFoundException | LinkageError e) {
                failures.append("missing: ").append(present).append(" (").append(e).append(")\n");
            }
        }
        for (String absent : new String[] {"com.github.dockerjava.api.DockerClient", "org.sqlite.JDBC",
                "picocli.CommandLine", "com.sun.jna.Native", "io.claudebottle.cli.BottleCli"}) {
            try {
                Class.forName(absent);
                failures.append("present but CLI-only: ").append(absent).append('\n');
            } catch (ClassNotFoundException expected) {
                // the point
            }
        }
        Object path = Class.forName("io.claudebottle.dlp.MatchPath").getMethod("best").invoke(null);
        if (!String.valueOf(path).equals("HYPERSCAN")) {
            failures.append("Hyperscan did not load: ").append(Class.forName("io.claudebottle.dlp.MatchPath")
                    .getMethod("hyperscanUnavailableReason").invoke(null)).append('\n');
        }
        Class<?> openSsl = Class.forName("io.netty.handler.ssl.OpenSsl");
        if (!(Boolean) openSsl.getMethod("isAvailable").invoke(null)) {
            failures.append("Netty's OpenSSL did not load: ").append(openSsl.getMethod("unavailabilityCause").invoke(null)).append('\n');
        }
        System.out.print(failures);
        System.exit(failures.isEmpty() ? 0 : 1);
    }
}
