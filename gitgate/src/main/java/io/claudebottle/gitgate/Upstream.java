package io.claudebottle.gitgate;

import org.eclipse.jgit.errors.NotSupportedException;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.JGitKeyCache;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The SSH side of one repo: the entry's IdentityFile, its pinned host key and its ExtraHosts,
 * isolated from the user's and the process's {@code ~/.ssh} (no config, known_hosts or agent).
 */
final class Upstream implements AutoCloseable {
    static final int TIMEOUT_SECONDS = 60;

    private final GitGateRepo repo;
    private final URIish uri;
    private final PinnedHostKey hostKey;
    private final SshdSessionFactory sessions;

    Upstream(GitGateRepo repo, Path sshDir) {
        this.repo = repo;
        this.hostKey = PinnedHostKey.parse(repo.name(), repo.knownHostKey());
        try {
            this.uri = new URIish(repo.upstream());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("git-gate repo '" + repo.name() + "': upstream '" + repo.upstream()
                    + "' is not a git URL: " + e.getMessage(), e);
        }
        if (!Files.isReadable(repo.identityFile())) {
            throw new IllegalArgumentException("git-gate repo '" + repo.name() + "': IdentityFile " + repo.identityFile()
                    + " does not exist or is not readable by the gate; check the path in the bottle manifest");
        }
        Path config = writeSshConfig(sshDir, repo.extraHosts(), repo.identityFile());
        this.sessions = new SshdSessionFactoryBuilder()
                .setHomeDirectory(sshDir.toFile())
                .setSshDirectory(sshDir.toFile())
                .setConfigFile(ignored -> config.toFile())
                .setDefaultIdentities(ignored -> List.of(repo.identityFile()))
                .setDefaultKnownHostsFiles(ignored -> List.of())
                .setServerKeyDatabase((home, ssh) -> hostKey)
                .setPreferredAuthentications("publickey")
                .setConnectorFactory(null)
                .build(new JGitKeyCache());
    }

    /** Opens a transport to the upstream for {@code local}; the caller closes it. */
    Transport open(Repository local) throws IOException {
        Transport transport;
        try {
            transport = Transport.open(local, uri);
        } catch (NotSupportedException e) {
            throw new IOException("upstream '" + repo.upstream() + "' of '" + repo.name() + "' is not an SSH URL", e);
        }
        if (transport instanceof SshTransport ssh) {
            ssh.setSshSessionFactory(sessions);
        }
        transport.setTimeout(TIMEOUT_SECONDS);
        return transport;
    }

    String url() {
        return repo.upstream();
    }

    /** A one-line, actionable reason for a failed upstream operation (never contains key material). */
    String explain(Exception failure) {
        String hostKeyProblem = hostKey.lastRejection();
        if (hostKeyProblem != null) return hostKeyProblem;
        Throwable root = failure;
        StringBuilder chain = new StringBuilder();
        while (root != null) {
            String message = root.getMessage();
            if (message != null && !chain.toString().contains(message)) {
                if (!chain.isEmpty()) chain.append(": ");
                chain.append(message);
            }
            root = root.getCause();
        }
        String reason = chain.isEmpty() ? failure.getClass().getSimpleName() : chain.toString();
        if (failure instanceof TransportException && reason.toLowerCase().contains("auth")) {
            reason += " (check IdentityFile " + repo.identityFile() + " is authorised on the upstream)";
        }
        return reason.replace('\n', ' ').replace('\r', ' ');
    }

    @Override
    public void close() {
        sessions.close();
    }

    /*
     * AES-GCM first: the JDK runs it on the CPU's AES instructions, while MINA's ChaCha20-Poly1305
     * (its default first choice) is plain Java and was the main cost of forwarding a large push.
     */
    private static Path writeSshConfig(Path sshDir, Map<String, String> extraHosts, Path identityFile) {
        StringBuilder config = new StringBuilder();
        extraHosts.forEach((host, ip) -> config.append("Host ").append(host).append("\n  HostName ").append(ip).append('\n'));
        config.append("""
                Host *
                  IdentityFile "%s"
                  IdentitiesOnly yes
                  IdentityAgent none
                  BatchMode yes
                  ConnectTimeout 20
                  Ciphers aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes256-ctr,chacha20-poly1305@openssh.com
                """.formatted(identityFile.toAbsolutePath().toString().replace("\"", "\\\"")));
        try {
            Files.createDirectories(sshDir);
            Path file = sshDir.resolve("config");
            Files.writeString(file, config, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("git-gate: cannot write SSH config under " + sshDir + ": " + e.getMessage(), e);
        }
    }
}
