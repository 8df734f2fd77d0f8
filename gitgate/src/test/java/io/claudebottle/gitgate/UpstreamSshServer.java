package io.claudebottle.gitgate;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real SSH git server on loopback (Apache MINA sshd running JGit upload-pack / receive-pack),
 * standing in for a bottle's upstream. Serves the bare repositories under {@code root}; accepts
 * only {@code clientKey}.
 */
final class UpstreamSshServer implements AutoCloseable {
    private final SshServer server;
    private final KeyPair hostKey;
    private final Path root;
    private final GitCommands commands;

    private UpstreamSshServer(SshServer server, KeyPair hostKey, Path root, GitCommands commands) {
        this.server = server;
        this.hostKey = hostKey;
        this.root = root;
        this.commands = commands;
    }

    static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** Writes {@code keys}' private half as an OpenSSH key file readable only by its owner. */
    static Path writeIdentity(KeyPair keys, Path file) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            new OpenSSHKeyPairResourceWriter().writePrivateKey(keys, "gate@test", null, out);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** {@code <type> <base64>} as ssh-keyscan prints it (KnownHostKey). */
    static String publicKeyLine(KeyPair keys) throws IOException {
        StringBuilder line = new StringBuilder();
        PublicKeyEntry.appendPublicKeyEntry(line, keys.getPublic());
        return line.toString().strip();
    }

    static UpstreamSshServer start(Path root, KeyPair clientKey) throws IOException, GeneralSecurityException {
        return start(root, clientKey, newKeyPair(), 0);
    }

    static UpstreamSshServer start(Path root, KeyPair clientKey, KeyPair hostKey, int port) throws IOException {
        return start(root, clientKey, hostKey, port, false);
    }

    /**
     * Like {@link #start(Path, KeyPair)}, but the upstream is the real {@code git receive-pack} /
     * {@code git upload-pack}, as on a Gitea or GitHub server (benchmarks: a JGit upstream in the
     * benchmark's own JVM would share its CPU and its JGit settings with the gate).
     */
    static UpstreamSshServer startWithGitBinary(Path root, KeyPair clientKey) throws IOException, GeneralSecurityException {
        return start(root, clientKey, newKeyPair(), 0, true);
    }

    private static UpstreamSshServer start(Path root, KeyPair clientKey, KeyPair hostKey, int port, boolean gitBinary)
            throws IOException {
        SshServer server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(port);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(key, clientKey.getPublic()));
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        GitCommands commands = new GitCommands(root, gitBinary, new AtomicReference<>(), new AtomicInteger());
        server.setCommandFactory(commands);
        server.start();
        return new UpstreamSshServer(server, hostKey, root, commands);
    }

    int port() {
        return server.getPort();
    }

    String hostKeyLine() throws IOException {
        return publicKeyLine(hostKey);
    }

    KeyPair hostKey() {
        return hostKey;
    }

    Path root() {
        return root;
    }

    /**
     * Makes every upload-pack (fetch, clone) wait until the returned latch is counted down, to
     * stand in for a slow first clone of a large upstream.
     */
    CountDownLatch holdUploadPacks() {
        CountDownLatch release = new CountDownLatch(1);
        commands.uploadHold().set(release);
        return release;
    }

    /** Upload-packs waiting on {@link #holdUploadPacks()} right now. */
    int uploadPacksHeld() {
        return commands.held().get();
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }

    private record GitCommands(Path root, boolean gitBinary, AtomicReference<CountDownLatch> uploadHold, AtomicInteger held) implements CommandFactory {
        @Override
        public Command createCommand(ChannelSession channel, String command) throws IOException {
            List<String> argv = CommandFactory.split(command);
            if (argv.size() != 2 || !List.of("git-upload-pack", "git-receive-pack").contains(argv.get(0))) {
                throw new IOException("unsupported command: " + command);
            }
            Path dir = root.resolve(argv.get(1).replaceFirst("^/+", "")).normalize();
            if (!dir.startsWith(root)) throw new IOException("outside the served root: " + argv.get(1));
            return new GitCommand(argv.get(0), dir, this);
        }
    }

    private static final class GitCommand implements Command {
        private final String verb;
        private final Path gitDir;
        private final GitCommands commands;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;

        GitCommand(String verb, Path gitDir, GitCommands commands) {
            this.verb = verb;
            this.gitDir = gitDir;
            this.commands = commands;
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback callback) {
            this.exit = callback;
        }

        @Override
        public void start(ChannelSession channel, Environment env) {
            String protocol = env.getEnv().get("GIT_PROTOCOL");
            Thread.ofVirtual().name("upstream-" + verb).start(() -> run(protocol));
        }

        private void run(String protocol) {
            if (commands.gitBinary()) {
                runGitBinary(protocol);
                return;
            }
            try (Repository repo = new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setMustExist(true).build()) {
                if (verb.equals("git-upload-pack")) {
                    CountDownLatch hold = commands.uploadHold().get();
                    if (hold != null) {
                        commands.held().incrementAndGet();
                        try {
                            hold.await();
                        } finally {
                            commands.held().decrementAndGet();
                        }
                    }
                    UploadPack upload = new UploadPack(repo);
                    if (protocol != null) upload.setExtraParameters(Arrays.asList(protocol.split(":")));
                    upload.upload(in, out, err);
                } else {
                    new ReceivePack(repo).receive(in, out, err);
                }
                out.flush();
                exit.onExit(0);
            } catch (Exception e) {
                try {
                    err.write((e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
                    err.flush();
                } catch (IOException ignored) {
                    // the client went away
                }
                exit.onExit(1, String.valueOf(e.getMessage()));
            }
        }

        private void runGitBinary(String protocol) {
            try {
                ProcessBuilder pb = new ProcessBuilder("git", verb.substring("git-".length()), gitDir.toString());
                pb.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
                pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
                if (protocol != null) pb.environment().put("GIT_PROTOCOL", protocol);
                Process p = pb.start();
                Thread toGit = Thread.ofVirtual().start(() -> pump(in, p.getOutputStream(), true));
                Thread errors = Thread.ofVirtual().start(() -> pump(p.getErrorStream(), err, false));
                pump(p.getInputStream(), out, false);
                errors.join();
                int code = p.waitFor();
                toGit.interrupt();
                exit.onExit(code);
            } catch (IOException | InterruptedException e) {
                exit.onExit(1, String.valueOf(e.getMessage()));
            }
        }

        /** Copies until EOF, flushing every chunk: the SSH channel buffers what is not flushed. */
        private static void pump(InputStream from, OutputStream to, boolean closeWhenDone) {
            byte[] buffer = new byte[64 * 1024];
            try {
                for (int n; (n = from.read(buffer)) > 0; ) {
                    to.write(buffer, 0, n);
                    to.flush();
                }
            } catch (IOException e) {
                // one side went away; the process exit or the channel close ends the command
            } finally {
                if (closeWhenDone) {
                    try {
                        to.close();
                    } catch (IOException ignored) {
                        // already closed
                    }
                }
            }
        }

        @Override
        public void destroy(ChannelSession channel) {
        }
    }
}
