package io.claudebottle.backend.nativ;

import static io.claudebottle.backend.nativ.SandboxSupport.ROOT;
import static io.claudebottle.backend.nativ.SandboxSupport.assumeSandbox;
import static io.claudebottle.backend.nativ.SandboxSupport.collect;
import static io.claudebottle.backend.nativ.SandboxSupport.shell;
import static io.claudebottle.backend.nativ.SandboxSupport.workDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.claudebottle.backend.nativ.SandboxSupport.Result;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A Netty service bound inside a sandbox's network namespace serves the agent on the agent's own
 * 127.0.0.1 and makes its own connections from the host's namespace; the agent reaches nothing
 * else — not a listener on the host's 127.0.0.1, not one on any other host address.
 */
class NetnsListenersTest {

    private static final int SIDECAR_PORT = 3128;

    @TempDir
    Path temp;

    /** Both tools; setns as root, and the unprivileged helper everywhere. */
    static Stream<Arguments> toolsAndMethods() {
        List<Arguments> cases = new ArrayList<>();
        for (SandboxTool tool : SandboxTool.values()) {
            if (ROOT) {
                cases.add(Arguments.of(tool, NetnsListeners.Method.SETNS));
            }
            cases.add(Arguments.of(tool, NetnsListeners.Method.HELPER));
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("toolsAndMethods")
    void nettyServesInsideTheSandboxAndConnectsOutFromTheHost(SandboxTool tool, NetnsListeners.Method method)
            throws Exception {
        assumeSandbox(tool);
        AtomicInteger hostAccepts = new AtomicInteger();
        List<ServerSocket> hostListeners = hostListeners(hostAccepts);
        ServerSocket upstream = hostListeners.getFirst();
        Thread upstreamServer = Thread.ofPlatform().daemon().start(() -> serveUpstream(upstream));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        StringBuilder probes = new StringBuilder();
        for (ServerSocket host : hostListeners.subList(1, hostListeners.size())) {
            String address = host.getInetAddress().getHostAddress();
            probes.append("(exec 3<>/dev/tcp/").append(address).append('/').append(host.getLocalPort())
                    .append(") 2>/dev/null && echo REACHED:").append(address).append('\n');
        }
        String script = """
                exec 3<>/dev/tcp/127.0.0.1/%d || exit 7
                echo hello-from-agent >&3
                read -r reply <&3
                echo "reply=$reply"
                %s
                echo done
                """.formatted(SIDECAR_PORT, probes);
        try (Sandbox sandbox = NamespaceSandbox.launch(shell(workDir(temp), script), tool)) {
            ServerSocketChannel listener = NetnsListeners.bindAll(sandbox.pid(), List.of(SIDECAR_PORT), method).getFirst();
            Channel server = new ServerBootstrap().group(group)
                    .channelFactory(() -> new NioServerSocketChannel(listener))
                    .childHandler(new ForwardToUpstream(upstream.getLocalPort()))
                    .register().sync().channel();
            try {
                assertThat(listeningPorts(Path.of("/proc", Long.toString(sandbox.pid()), "net/tcp")))
                        .as("the listener lives in the sandbox's namespace").contains(SIDECAR_PORT);
                sandbox.startCommand();
                Result r = collect(sandbox);
                assertThat(r.stdout()).contains("reply=upstream saw: hello-from-agent").doesNotContain("REACHED:");
                assertThat(r.stdout()).endsWith("done\n");
                assertThat(r.exit()).isZero();
                assertThat(hostAccepts.get()).as("connections the host listeners accepted from the sandbox").isZero();
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
            for (ServerSocket s : hostListeners) {
                s.close();
            }
            upstreamServer.join(2000);
        }
    }

    @ParameterizedTest
    @MethodSource("toolsAndMethods")
    void closingTheSandboxAndItsListenersLeavesNothing(SandboxTool tool, NetnsListeners.Method method) throws Exception {
        assumeSandbox(tool);
        Sandbox sandbox = NamespaceSandbox.launch(shell(workDir(temp), "exec sleep 1000"), tool);
        long pid = sandbox.pid();
        String netns = Files.readSymbolicLink(sandbox.netns()).toString();
        List<ServerSocketChannel> listeners = NetnsListeners.bindAll(pid, List.of(3128, 9099, 9418), method);
        assertThat(listeners).hasSize(3).allMatch(ServerSocketChannel::isOpen);
        sandbox.startCommand();
        sandbox.close();
        NetnsListeners.closeAll(listeners);
        assertThat(Sandbox.running(pid)).isFalse();
        assertThat(NamespaceSandboxTest.processesIn(netns)).isEmpty();
        assertThat(listeners).noneMatch(ServerSocketChannel::isOpen);
        assertThatThrownBy(() -> NetnsListeners.bindAll(pid, List.of(3128), method))
                .isInstanceOf(SandboxException.class).hasMessageContaining("/proc/" + pid + "/ns/net");
    }

    @Test
    void aRefusedBindSaysWhichPortAndLeavesNoListenerOpen() throws Exception {
        SandboxTool tool = SandboxTool.BWRAP.available() ? SandboxTool.BWRAP : SandboxTool.UNSHARE;
        assumeSandbox(tool);
        for (NetnsListeners.Method method : ROOT ? NetnsListeners.Method.values() : new NetnsListeners.Method[] {NetnsListeners.Method.HELPER}) {
            try (Sandbox sandbox = NamespaceSandbox.launch(shell(workDir(temp), "true"), tool)) {
                assertThatThrownBy(() -> NetnsListeners.bindAll(sandbox.pid(), List.of(4000, 4000), method))
                        .isInstanceOf(SandboxException.class).hasMessageContaining("4000");
                // the first 4000 was closed again: binding it now works
                NetnsListeners.closeAll(NetnsListeners.bindAll(sandbox.pid(), List.of(4000), method));
            }
        }
    }

    @Test
    void rootEntersBySetnsEveryoneElseThroughTheHelper() {
        assertThat(NetnsListeners.method())
                .isEqualTo(ROOT ? NetnsListeners.Method.SETNS : NetnsListeners.Method.HELPER);
    }

    /** A listener on the host's 127.0.0.1 (the "upstream") plus one on every other host IPv4 address. */
    private static List<ServerSocket> hostListeners(AtomicInteger accepts) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        sockets.add(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        ServerSocket sameLoopback = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        sockets.add(sameLoopback);
        for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
            for (InetAddress address : nic.inetAddresses().toList()) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                    sockets.add(new ServerSocket(0, 50, address));
                }
            }
        }
        for (ServerSocket s : sockets.subList(1, sockets.size())) {
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    s.accept().close();
                    accepts.incrementAndGet();
                } catch (IOException closed) {
                    // the test is over
                }
            });
        }
        return sockets;
    }

    private static void serveUpstream(ServerSocket upstream) {
        try (Socket c = upstream.accept();
             BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(c.getOutputStream(), true, StandardCharsets.UTF_8)) {
            out.println("upstream saw: " + in.readLine());
        } catch (IOException closed) {
            // the test is over
        }
    }

    /** Reads a line from the agent, asks the host-side upstream, writes the answer back. */
    private static final class ForwardToUpstream extends ChannelInitializer<SocketChannel> {
        private final int upstreamPort;

        ForwardToUpstream(int upstreamPort) {
            this.upstreamPort = upstreamPort;
        }

        @Override
        protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new LineBasedFrameDecoder(1024), new StringDecoder(StandardCharsets.UTF_8),
                    new StringEncoder(StandardCharsets.UTF_8), new SimpleChannelInboundHandler<String>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, String line) {
                            // off the event loop: a blocking socket keeps the test short
                            Thread.ofVirtual().start(() -> {
                                try (Socket up = new Socket()) {
                                    up.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 2000);
                                    new PrintWriter(up.getOutputStream(), true, StandardCharsets.UTF_8).println(line);
                                    String answer = new BufferedReader(new InputStreamReader(up.getInputStream(),
                                            StandardCharsets.UTF_8)).readLine();
                                    ctx.writeAndFlush(answer + "\n");
                                } catch (IOException e) {
                                    ctx.writeAndFlush("upstream failed: " + e + "\n");
                                }
                            });
                        }
                    });
        }
    }

    /** Ports listening on 127.0.0.1 in the namespace whose {@code /proc/<pid>/net/tcp} this is. */
    private static List<Integer> listeningPorts(Path procNetTcp) throws IOException {
        List<Integer> ports = new ArrayList<>();
        for (String line : Files.readAllLines(procNetTcp)) {
            String[] f = line.strip().split("\\s+");
            if (f.length > 3 && f[1].startsWith("0100007F:") && f[3].equals("0A")) {
                ports.add(Integer.parseInt(f[1].substring(9), 16));
            }
        }
        return ports;
    }
}
