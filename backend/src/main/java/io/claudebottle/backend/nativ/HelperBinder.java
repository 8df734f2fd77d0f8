package io.claudebottle.backend.nativ;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Binds listeners in a sandbox's network namespace without privileges. {@code nsenter} (single
 * threaded, so it may join a user namespace) enters the user namespace that <em>owns</em> the
 * network namespace — which the caller created, so it has every capability there — then the
 * network namespace, and runs a few lines of Perl (perl-base is part of every Debian) that
 * bind 127.0.0.1:port and print the descriptor numbers. This JVM copies each descriptor with
 * {@code pidfd_getfd()} and, since the JDK cannot adopt a raw descriptor, {@code dup2()}s it over
 * the descriptor of a placeholder {@link ServerSocketChannel}. The placeholder's
 * {@code getLocalAddress()} keeps reporting its own throwaway host port; everything else (accept,
 * non-blocking mode, close, Netty) acts on the sandbox's socket.
 *
 * <p>The owning user namespace is found with {@code ioctl(NS_GET_USERNS)}, not taken from the
 * sandbox's processes: bwrap with {@code --dev} maps root first (to mount devpts), then moves the
 * sandbox into a second, nested user namespace that has no capability over the network namespace.
 */
final class HelperBinder {

    private static final String PERL = """
            use strict; use Socket;
            my @fds;
            for my $port (@ARGV) {
              socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!\\n";
              setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1) or die "setsockopt: $!\\n";
              bind($s, pack_sockaddr_in($port, inet_aton("127.0.0.1"))) or die "bind 127.0.0.1:$port: $!\\n";
              listen($s, %d) or die "listen: $!\\n";
              push @fds, $s;
            }
            $| = 1; print join(" ", map { fileno($_) } @fds), "\\n";
            my $done = <STDIN>;
            """.formatted(NetnsListeners.BACKLOG);

    private HelperBinder() {
    }

    static List<ServerSocketChannel> bind(long pid, List<Integer> ports) {
        String netns = "/proc/" + pid + "/ns/net";
        int netFd;
        try {
            netFd = Libc.open(netns, Libc.O_RDONLY | Libc.O_CLOEXEC);
        } catch (Libc.NativeCallException e) {
            throw new SandboxException("cannot open " + netns + " (is sandbox pid " + pid + " still running?): "
                    + e.getMessage(), e);
        }
        try {
            int userFd = Libc.owningUserNamespace(netFd);
            try {
                return bind(pid, netFd, userFd, ports);
            } finally {
                Libc.close(userFd);
            }
        } catch (Libc.NativeCallException e) {
            throw new SandboxException("cannot find the user namespace owning " + netns + ": " + e.getMessage(), e);
        } finally {
            Libc.close(netFd);
        }
    }

    private static List<ServerSocketChannel> bind(long pid, int netFd, int userFd, List<Integer> ports) {
        String self = "/proc/" + ProcessHandle.current().pid() + "/fd/";
        List<String> command = new ArrayList<>(List.of(executable("nsenter"), "--user=" + self + userFd,
                "--net=" + self + netFd, "--preserve-credentials", "--", executable("perl"), "-e", PERL));
        ports.forEach(port -> command.add(Integer.toString(port)));
        Process helper;
        try {
            helper = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new SandboxException("cannot run nsenter to bind in the netns of pid " + pid + ": " + e.getMessage(), e);
        }
        List<ServerSocketChannel> channels = new ArrayList<>();
        try {
            String line = new BufferedReader(new InputStreamReader(helper.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            if (line == null) {
                helper.waitFor(5, TimeUnit.SECONDS);
                String stderr = new String(helper.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                throw new SandboxException("cannot bind 127.0.0.1:" + ports + " in the netns of pid " + pid
                        + " (nsenter + perl helper): " + stderr);
            }
            String[] fds = line.strip().split(" ");
            int pidfd = Libc.pidfdOpen(helper.pid());
            try {
                for (String fd : fds) {
                    channels.add(adopt(Libc.pidfdGetfd(pidfd, Integer.parseInt(fd))));
                }
            } finally {
                Libc.close(pidfd);
            }
            return List.copyOf(channels);
        } catch (IOException | Libc.NativeCallException | RuntimeException e) {
            NetnsListeners.closeAll(channels);
            if (e instanceof SandboxException se) {
                throw se;
            }
            throw new SandboxException("cannot take over the listeners bound in the netns of pid " + pid + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            NetnsListeners.closeAll(channels);
            throw new SandboxException("interrupted while binding in the netns of pid " + pid, e);
        } finally {
            helper.destroyForcibly();
        }
    }

    /** A ServerSocketChannel whose descriptor is {@code fd} (which is consumed). */
    private static ServerSocketChannel adopt(int fd) throws IOException, Libc.NativeCallException {
        ServerSocketChannel placeholder = ServerSocketChannel.open(StandardProtocolFamily.INET);
        try {
            placeholder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            int port = ((InetSocketAddress) placeholder.getLocalAddress()).getPort();
            Libc.dup2(fd, descriptorOf(port));
            return placeholder;
        } catch (IOException | Libc.NativeCallException | RuntimeException e) {
            placeholder.close();
            throw e;
        } finally {
            Libc.close(fd);
        }
    }

    /** This process's descriptor of the socket listening on 127.0.0.1:{@code port} in the host namespace. */
    private static int descriptorOf(int port) throws IOException {
        String local = "0100007F:" + String.format(Locale.ROOT, "%04X", port);
        String inode = null;
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/net/tcp"))) {
            String[] f = line.strip().split("\\s+");
            if (f.length > 9 && f[1].equals(local) && f[3].equals("0A")) {
                inode = f[9];
            }
        }
        if (inode == null) {
            throw new IOException("placeholder listener 127.0.0.1:" + port + " not in /proc/thread-self/net/tcp");
        }
        String link = "socket:[" + inode + "]";
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(link)) {
                        return Integer.parseInt(fd.getFileName().toString());
                    }
                } catch (IOException closedMeanwhile) {
                    // another thread closed it: not ours
                }
            }
        }
        throw new IOException("no descriptor of this process refers to " + link);
    }

    private static String executable(String name) {
        return SandboxTool.executable(name).map(Path::toString).orElseThrow(() -> new SandboxException(
                name + " is not installed; binding listeners in a sandbox as an unprivileged user needs it"
                        + " (fix: apt-get install " + (name.equals("perl") ? "perl-base" : "util-linux") + ")"));
    }
}
