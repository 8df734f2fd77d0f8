// Load generator and HTTPS origin for bench/egress.sh (NETTY: the CLI's lib/*.jar):
//   java -cp NETTY EgressBench.java origin PORT CERT.pem KEY.pem
//   java -cp NETTY EgressBench.java rps    PROXY|direct TARGET CA.pem CONNECTIONS SECONDS
//   java EgressBench.java upload PROXY|direct TARGET CA.pem MEGABYTES [WARM_MEGABYTES]
//   java -cp LIBS EgressBench.java dlp MEGABYTES BATCH_BYTES   (the DLP engine alone on the upload payload)
// PROXY is host:port of an HTTP proxy (CONNECT is used); TARGET is host:port of the origin.
// Output: key=value lines for the script to read.


import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

public class EgressBench {
    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "origin" -> origin(Integer.parseInt(a[1]), a[2], a[3]);
            case "rps" -> rps(a[1], a[2], a[3], Integer.parseInt(a[4]), Integer.parseInt(a[5]));
            case "upload" -> upload(a[1], a[2], a[3], Integer.parseInt(a[4]), a.length > 5 ? Integer.parseInt(a[5]) : 0);
            case "dlp" -> dlp(Integer.parseInt(a[1]), Integer.parseInt(a[2]));
            default -> throw new IllegalArgumentException("unknown mode " + a[0]);
        }
    }

    /** A Netty HTTPS origin (OpenSSL, TCP_NODELAY): "ok N" for every request, N = body bytes read. */
    static void origin(int port, String certPem, String keyPem) throws Exception {
        io.netty.handler.ssl.SslContext tls = io.netty.handler.ssl.SslContextBuilder
                .forServer(new java.io.File(certPem), new java.io.File(keyPem)).build();
        var group = new io.netty.channel.MultiThreadIoEventLoopGroup(2, io.netty.channel.nio.NioIoHandler.newFactory());
        new io.netty.bootstrap.ServerBootstrap().group(group)
                .channel(io.netty.channel.socket.nio.NioServerSocketChannel.class)
                .option(io.netty.channel.ChannelOption.SO_BACKLOG, 1024)
                .childOption(io.netty.channel.ChannelOption.TCP_NODELAY, true)
                .childHandler(new io.netty.channel.ChannelInitializer<io.netty.channel.socket.SocketChannel>() {
                    @Override
                    protected void initChannel(io.netty.channel.socket.SocketChannel ch) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), new io.netty.handler.codec.http.HttpServerCodec(),
                                new io.netty.channel.SimpleChannelInboundHandler<io.netty.handler.codec.http.HttpObject>() {
                                    long n;

                                    @Override
                                    protected void channelRead0(io.netty.channel.ChannelHandlerContext ctx, io.netty.handler.codec.http.HttpObject msg) {
                                        if (msg instanceof io.netty.handler.codec.http.HttpRequest) n = 0;
                                        if (msg instanceof io.netty.handler.codec.http.HttpContent c) n += c.content().readableBytes();
                                        if (msg instanceof io.netty.handler.codec.http.LastHttpContent) {
                                            byte[] body = ("ok " + n).getBytes(StandardCharsets.US_ASCII);
                                            var r = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                                                    io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                                                    io.netty.handler.codec.http.HttpResponseStatus.OK,
                                                    io.netty.buffer.Unpooled.wrappedBuffer(body));
                                            r.headers().set("Content-Type", "text/plain").setInt("Content-Length", body.length);
                                            ctx.writeAndFlush(r);
                                        }
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync();
        System.out.println("origin=ready");
        Thread.currentThread().join();
    }

    static SSLContext trusting(String caPem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        try (InputStream in = new FileInputStream(caPem)) {
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) ks.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** A TLS connection to TARGET, through PROXY's CONNECT unless PROXY is "direct". */
    static SSLSocket open(String proxy, String target, SSLContext tls) throws IOException {
        String host = target.substring(0, target.lastIndexOf(':'));
        int port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
        Socket raw;
        if (proxy.equals("direct")) {
            raw = new Socket(host, port);
        } else {
            raw = new Socket(proxy.substring(0, proxy.lastIndexOf(':')), Integer.parseInt(proxy.substring(proxy.lastIndexOf(':') + 1)));
            raw.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Response r = Response.read(raw.getInputStream());
            if (r.status != 200) throw new IOException("CONNECT " + target + " via " + proxy + ": " + r.status + " " + r.body);
        }
        raw.setTcpNoDelay(true);
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, host, port, true);
        var p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setApplicationProtocols(new String[] {"http/1.1"});
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    record Response(int status, String body) {
        static Response read(InputStream in) throws IOException {
            String status = line(in);
            if (status == null) throw new IOException("connection closed");
            int len = 0;
            for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
                if (l.regionMatches(true, 0, "content-length:", 0, 15)) len = Integer.parseInt(l.substring(15).trim());
            }
            byte[] b = in.readNBytes(len);
            return new Response(Integer.parseInt(status.split(" ")[1]), new String(b, StandardCharsets.US_ASCII));
        }

        static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(64);
            int c;
            while ((c = in.read()) >= 0 && c != '\n') if (c != '\r') b.write(c);
            return c < 0 && b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
        }
    }

    /**
     * CONNECTIONS keep-alive connections, each sending one small GET at a time for SECONDS after a
     * second of warm-up. The client is Netty on one event-loop thread with BoringSSL and epoll, so
     * that it costs far less CPU per request than the proxies it measures: on a 2-core machine the
     * client, the origin and the proxy share the cores, and a JDK TLS client (an earlier version:
     * 64 threads on SSLSocket) took the CPU the proxy could otherwise use.
     */
    static void rps(String proxy, String target, String ca, int connections, int seconds) throws Exception {
        var tls = io.netty.handler.ssl.SslContextBuilder.forClient()
                .sslProvider(io.netty.handler.ssl.SslProvider.isAlpnSupported(io.netty.handler.ssl.SslProvider.OPENSSL)
                        ? io.netty.handler.ssl.SslProvider.OPENSSL : io.netty.handler.ssl.SslProvider.JDK)
                .trustManager(new java.io.File(ca))
                .endpointIdentificationAlgorithm("HTTPS")
                .build();
        boolean epoll = io.netty.channel.epoll.Epoll.isAvailable();
        var group = new io.netty.channel.MultiThreadIoEventLoopGroup(1, epoll
                ? io.netty.channel.epoll.EpollIoHandler.newFactory() : io.netty.channel.nio.NioIoHandler.newFactory());
        String host = target.substring(0, target.lastIndexOf(':'));
        int port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
        String dialHost = proxy.equals("direct") ? host : proxy.substring(0, proxy.lastIndexOf(':'));
        int dialPort = proxy.equals("direct") ? port : Integer.parseInt(proxy.substring(proxy.lastIndexOf(':') + 1));
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong errors = new java.util.concurrent.atomic.AtomicLong();
        List<KeepAliveClient> clients = new ArrayList<>();
        List<io.netty.channel.ChannelFuture> closed = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            KeepAliveClient client = new KeepAliveClient(tls, host, port, !proxy.equals("direct"), stop, done, errors);
            clients.add(client);
            var connect = new io.netty.bootstrap.Bootstrap().group(group)
                    .channel(epoll ? io.netty.channel.epoll.EpollSocketChannel.class : io.netty.channel.socket.nio.NioSocketChannel.class)
                    .option(io.netty.channel.ChannelOption.TCP_NODELAY, true)
                    .handler(client)
                    .connect(dialHost, dialPort);
            connect.addListener(f -> { if (!f.isSuccess()) errors.incrementAndGet(); });
            closed.add(connect);
        }
        Thread.sleep(1000L); // warm-up: connections established, JITs busy
        long before = done.get();
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long after = done.get();
        double elapsed = (System.nanoTime() - start) / 1e9;
        stop.set(true);
        for (var c : closed) c.channel().closeFuture().await(5000);
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        long[] sorted = clients.stream().flatMapToLong(KeepAliveClient::latencies).sorted().toArray();
        System.out.println("requests=" + sorted.length);
        System.out.printf("rps=%.0f%n", (after - before) / elapsed);
        System.out.printf("p50_ms=%.3f%n", sorted.length == 0 ? -1 : sorted[sorted.length / 2] / 1e6);
        System.out.printf("p99_ms=%.3f%n", sorted.length == 0 ? -1 : sorted[(int) (sorted.length * 0.99)] / 1e6);
        System.out.println("errors=" + errors.get());
    }

    /**
     * One connection of the requests/s load: CONNECT through the proxy (unless direct), TLS, then
     * GET after GET, each sent when the previous response has ended; its latencies are kept.
     */
    static final class KeepAliveClient extends io.netty.channel.ChannelInitializer<io.netty.channel.Channel> {
        private final io.netty.handler.ssl.SslContext tls;
        private final String host;
        private final int port;
        private final boolean viaProxy;
        private final AtomicBoolean stop;
        private final java.util.concurrent.atomic.AtomicLong done;
        private final java.util.concurrent.atomic.AtomicLong errors;
        private long[] latencies = new long[4096];
        private int count;
        private long sentAt;
        private int status;

        KeepAliveClient(io.netty.handler.ssl.SslContext tls, String host, int port, boolean viaProxy, AtomicBoolean stop,
                        java.util.concurrent.atomic.AtomicLong done, java.util.concurrent.atomic.AtomicLong errors) {
            this.tls = tls;
            this.host = host;
            this.port = port;
            this.viaProxy = viaProxy;
            this.stop = stop;
            this.done = done;
            this.errors = errors;
        }

        java.util.stream.LongStream latencies() {
            return Arrays.stream(latencies, 0, count);
        }

        @Override
        protected void initChannel(io.netty.channel.Channel ch) {
            ch.closeFuture().addListener(f -> { if (!stop.get()) errors.incrementAndGet(); });
            if (viaProxy) {
                ch.pipeline().addLast("http", new io.netty.handler.codec.http.HttpClientCodec());
                ch.pipeline().addLast("connect", new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
                        var connect = new io.netty.handler.codec.http.DefaultFullHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                                io.netty.handler.codec.http.HttpMethod.CONNECT, host + ":" + port);
                        connect.headers().set("Host", host + ":" + port);
                        ctx.writeAndFlush(connect);
                        ctx.fireChannelActive();
                    }

                    @Override
                    public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                        if (!responseEnds(msg)) return;
                        if (status != 200) {
                            fail(ctx, new IOException("CONNECT " + host + ":" + port + ": " + status));
                            return;
                        }
                        ctx.pipeline().remove("http");
                        ctx.pipeline().remove(this);
                        startTls(ctx.channel());
                    }

                    @Override
                    public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                        fail(ctx, cause);
                    }
                });
            } else {
                startTls(ch);
            }
        }

        private void startTls(io.netty.channel.Channel ch) {
            var ssl = tls.newHandler(ch.alloc(), host, port);
            ch.pipeline().addLast(ssl, new io.netty.handler.codec.http.HttpClientCodec(), new io.netty.channel.ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
                    if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent e) {
                        if (e.isSuccess()) send(ctx);
                        else fail(ctx, e.cause());
                    }
                }

                @Override
                public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                    if (!responseEnds(msg)) return;
                    if (status != 200) {
                        fail(ctx, new IOException("GET: " + status));
                        return;
                    }
                    if (count == latencies.length) latencies = Arrays.copyOf(latencies, count * 2);
                    latencies[count++] = System.nanoTime() - sentAt;
                    done.lazySet(done.get() + 1); // one event-loop thread writes it
                    if (stop.get()) ctx.close();
                    else send(ctx);
                }

                @Override
                public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                    fail(ctx, cause);
                }
            });
        }

        /** Keeps the status of a response head and releases {@code msg}; true when it ends the response. */
        private boolean responseEnds(Object msg) {
            if (msg instanceof io.netty.handler.codec.http.HttpResponse r) status = r.status().code();
            io.netty.util.ReferenceCountUtil.release(msg);
            return msg instanceof io.netty.handler.codec.http.LastHttpContent;
        }

        private void send(io.netty.channel.ChannelHandlerContext ctx) {
            var get = new io.netty.handler.codec.http.DefaultFullHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    io.netty.handler.codec.http.HttpMethod.GET, "/small", io.netty.buffer.Unpooled.EMPTY_BUFFER);
            get.headers().set("Host", host + ":" + port);
            sentAt = System.nanoTime();
            ctx.writeAndFlush(get);
        }

        private void fail(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
            if (!stop.get() && ctx.channel().isOpen()) System.err.println("connection failed: " + cause);
            ctx.close();
        }
    }

    /** Text-like payload without secrets: varied words, as a source tarball or a JSON upload would be. */
    static byte[] payloadChunk() {
        byte[] chunk = new byte[1 << 16];
        String words = "the quick brown fox jumps over the lazy dog while 1234 packets of json {\"k\":\"v\"} flow; ";
        for (int i = 0; i < chunk.length; i++) chunk[i] = (byte) words.charAt((i * 7 + i / 91) % words.length());
        return chunk;
    }

    /**
     * The proxy's DLP work for an upload without the proxy: the same payload through the same
     * entry point in the windows the proxy feeds it (its StreamingBody: {@code scan(byte[])} on
     * BATCH_BYTES new bytes plus the 8 KiB carry), best of three, in CPU time of the scanning
     * thread (wall-clock time on a shared machine measures the other load).
     */
    static void dlp(int megabytes, int batchBytes) {
        io.claudebottle.dlp.SecretScanner scanner = io.claudebottle.dlp.SecretScanner.defaults();
        byte[] chunk = payloadChunk();
        byte[] window = new byte[batchBytes + 8192];
        for (int i = 0; i < window.length; i++) window[i] = chunk[i % chunk.length];
        long total = megabytes * 1024L * 1024L;
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        double best = 0;
        for (int round = 0; round < 3; round++) {
            long t0 = threads.getCurrentThreadCpuTime();
            for (long done = 0; done < total; done += batchBytes) {
                if (!scanner.scan(window).isEmpty()) throw new IllegalStateException("finding");
            }
            best = Math.max(best, total / 1048576.0 / ((threads.getCurrentThreadCpuTime() - t0) / 1e9));
        }
        System.out.printf("dlp_mbps=%.1f%n", best);
    }

    /**
     * One upload of MEGABYTES on a fresh connection, timed from the request head to the response,
     * after WARM_MEGABYTES uploaded unmeasured by this same JVM: a cold client spends its first
     * seconds interpreting and compiling its own TLS path, and would measure itself, not the proxy
     * (measured: a cold client sent 100 MB directly to the origin at 17 MB/s, a warm one at 5x that).
     */
    static void upload(String proxy, String target, String ca, int megabytes, int warmMegabytes) throws Exception {
        SSLContext tls = trusting(ca);
        if (warmMegabytes > 0) uploadOnce(proxy, target, tls, warmMegabytes);
        double secs = uploadOnce(proxy, target, tls, megabytes);
        System.out.printf("upload_mbps=%.1f%n", megabytes / secs);
    }

    private static double uploadOnce(String proxy, String target, SSLContext tls, int megabytes) throws Exception {
        long total = megabytes * 1024L * 1024L;
        byte[] chunk = payloadChunk();
        try (SSLSocket s = open(proxy, target, tls)) {
            OutputStream out = s.getOutputStream();
            long t0 = System.nanoTime();
            out.write(("POST /upload HTTP/1.1\r\nHost: " + target + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                    + total + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            for (long sent = 0; sent < total; sent += chunk.length) out.write(chunk, 0, (int) Math.min(chunk.length, total - sent));
            out.flush();
            Response r = Response.read(s.getInputStream());
            double secs = (System.nanoTime() - t0) / 1e9;
            if (r.status != 200 || !r.body.equals("ok " + total)) throw new IOException("upload: " + r.status + " " + r.body);
            System.out.println("upload_status=" + r.status + " " + r.body.replace(' ', '_'));
            return secs;
        }
    }
}
