package io.claudebottle.cli.demo;

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
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
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
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The demo bottle's {@code git:} upstream: a bare repository with one commit, served over SSH by an
 * in-process Apache MINA sshd running JGit's upload-pack / receive-pack. Accepts only the demo key.
 */
public final class DemoGitUpstream implements AutoCloseable {
    public static final String REPO = "demo.git";
    private final SshServer server;
    private final Path bare;
    private final Path identityFile;
    private final String hostKeyLine;
    private final Path seed;
    private final java.util.Set<String> ownCommits = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private DemoGitUpstream(SshServer server, Path bare, Path identityFile, String hostKeyLine, Path seed) {
        this.seed = seed;
        this.server = server;
        this.bare = bare;
        this.identityFile = identityFile;
        this.hostKeyLine = hostKeyLine;
    }

    /** Creates the repository under {@code dir} and starts serving it on {@code bindAddress}, any port. */
    public static DemoGitUpstream start(Path dir, String bindAddress) throws Exception {
        Path work = dir.resolve("seed");
        try (Git seed = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call()) {
            Files.writeString(work.resolve("README.md"), "# demo\nThe bottle demo's upstream repository.\n");
            seed.add().addFilepattern("README.md").call();
            seed.commit().setMessage("initial commit").setAuthor("bottle demo", "demo@bottle.invalid")
                    .setCommitter("bottle demo", "demo@bottle.invalid").setSign(false).call();
        }
        Path bare = dir.resolve("served").resolve(REPO);
        Git.cloneRepository().setURI(work.toUri().toString()).setBare(true).setDirectory(bare.toFile()).call().close();

        KeyPair clientKey = newKeyPair();
        KeyPair hostKey = newKeyPair();
        Path identity = dir.resolve("id_demo");
        try (OutputStream out = Files.newOutputStream(identity)) {
            new OpenSSHKeyPairResourceWriter().writePrivateKey(clientKey, "bottle-demo", null, out);
        }
        Files.setPosixFilePermissions(identity, PosixFilePermissions.fromString("rw-------"));
        StringBuilder hostLine = new StringBuilder();
        PublicKeyEntry.appendPublicKeyEntry(hostLine, hostKey.getPublic());

        SshServer server = SshServer.setUpDefaultServer();
        server.setHost(bindAddress);
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(key, clientKey.getPublic()));
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        Path root = bare.getParent();
        server.setCommandFactory((channel, command) -> {
            List<String> argv = CommandFactory.split(command);
            if (argv.size() != 2 || !List.of("git-upload-pack", "git-receive-pack").contains(argv.get(0))) {
                throw new IOException("unsupported command: " + command);
            }
            Path gitDir = root.resolve(argv.get(1).replaceFirst("^/+", "")).normalize();
            if (!gitDir.startsWith(root)) {
                throw new IOException("outside the served root: " + argv.get(1));
            }
            return new GitCommand(argv.get(0), gitDir);
        });
        server.start();
        DemoGitUpstream upstream = new DemoGitUpstream(server, bare, identity, hostLine.toString().strip(), work);
        upstream.ownCommits.addAll(upstream.refs().values());
        return upstream;
    }

    public int port() {
        return server.getPort();
    }

    public Path identityFile() {
        return identityFile;
    }

    /** {@code <type> <base64>}, as ssh-keyscan prints it. */
    public String hostKeyLine() {
        return hostKeyLine;
    }

    /** Every ref of the served repository and the commit it points at. */
    public Map<String, String> refs() throws IOException {
        Map<String, String> refs = new TreeMap<>();
        try (Repository repo = new FileRepositoryBuilder().setGitDir(bare.toFile()).setMustExist(true).build()) {
            for (var ref : repo.getRefDatabase().getRefs()) {
                ObjectId id = ref.getObjectId();
                refs.put(ref.getName(), id == null ? "?" : id.name());
            }
        }
        return refs;
    }

    /** The upstream moves on by itself: one more commit on {@code main}, as another developer would push. */
    public synchronized String advance() {
        try (Git work = Git.open(seed.toFile())) {
            Path file = seed.resolve("NEWS.md");
            Files.writeString(file, "upstream moved on at " + java.time.Instant.now() + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            work.add().addFilepattern("NEWS.md").call();
            String id = work.commit().setMessage("upstream moved on").setAuthor("bottle demo", "demo@bottle.invalid")
                    .setCommitter("bottle demo", "demo@bottle.invalid").setSign(false).call().name();
            ownCommits.add(id);
            work.push().setRemote(bare.toUri().toString()).add("main").call();
            return id;
        } catch (Exception e) {
            throw new IllegalStateException("the demo upstream could not advance: " + e.getMessage(), e);
        }
    }

    /** Whether every ref of the upstream points at a commit the upstream made itself (none pushed by the agent). */
    public boolean onlyOwnCommits(Map<String, String> refs) {
        return ownCommits.containsAll(refs.values());
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }

    private static KeyPair newKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static final class GitCommand implements Command {
        private final String verb;
        private final Path gitDir;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;

        GitCommand(String verb, Path gitDir) {
            this.verb = verb;
            this.gitDir = gitDir;
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
            Thread.ofVirtual().name("demo-upstream-" + verb).start(() -> run(protocol));
        }

        private void run(String protocol) {
            try (Repository repo = new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setMustExist(true).build()) {
                if (verb.equals("git-upload-pack")) {
                    UploadPack upload = new UploadPack(repo);
                    if (protocol != null) {
                        upload.setExtraParameters(List.of(protocol.split(":")));
                    }
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

        @Override
        public void destroy(ChannelSession channel) {
        }
    }
}
