package io.claudebottle.sidecar;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's only DNS server: answers every query REFUSED and audits the name asked
 * ({@code {"service":"dns","decision":"deny","name":...}}). No name ever resolves through it, so a
 * lookup cannot carry data out of the bottle (the egress proxy resolves allowlisted hosts itself),
 * and an agent that tries to resolve a name shows up in the audit log. UDP and TCP, same port.
 */
final class DnsSinkService implements SidecarService {
    private static final int MAX_UDP = 4096;
    private static final int TCP_IDLE_MILLIS = 10_000;

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final SidecarContext ctx;
    private volatile boolean closed;
    private boolean opened;

    private DnsSinkService(DatagramSocket udp, ServerSocket tcp, SidecarContext ctx) {
        this.udp = udp;
        this.tcp = tcp;
        this.ctx = ctx;
    }

    /** Binds UDP and TCP; queries wait in the kernel's queues until {@link #open()}. */
    static DnsSinkService bind(SidecarConfig.Dns config, SidecarContext ctx) {
        InetAddress bind;
        try {
            bind = InetAddress.getByName(ctx.bind());
        } catch (IOException e) {
            throw new UncheckedIOException("dns: cannot use bind address " + ctx.bind() + ": " + e.getMessage(), e);
        }
        // With port 0 the kernel picks UDP's port, which another process may hold for TCP: pick again.
        int attempts = config.port() == 0 ? 20 : 1;
        for (int attempt = 1; ; attempt++) {
            try {
                return listen(bind, config.port(), ctx);
            } catch (IOException e) {
                if (attempt < attempts && e instanceof BindException) continue;
                throw new UncheckedIOException("dns: cannot listen on " + ctx.bind() + ":" + config.port() + ": " + e.getMessage()
                        + (config.port() < 1024 ? " (a port below 1024 needs CAP_NET_BIND_SERVICE or"
                        + " net.ipv4.ip_unprivileged_port_start <= " + config.port() + ")" : "")
                        + " (check \"dns.port\" in the sidecar config)", e);
            }
        }
    }

    private static DnsSinkService listen(InetAddress bind, int port, SidecarContext ctx) throws IOException {
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(bind, port));
        try {
            // TCP on the port UDP got (the kernel picked it when the config said 0)
            ServerSocket tcp = new ServerSocket();
            tcp.setReuseAddress(true);
            tcp.bind(new InetSocketAddress(bind, udp.getLocalPort()), 64);
            return new DnsSinkService(udp, tcp, ctx);
        } catch (IOException e) {
            udp.close();
            throw e;
        }
    }

    @Override
    public synchronized void open() {
        if (opened) return;
        opened = true;
        Thread.ofPlatform().daemon().name("dns-udp").start(this::serveUdp);
        Thread.ofPlatform().daemon().name("dns-tcp").start(this::acceptTcp);
    }

    private void serveUdp() {
        byte[] buf = new byte[MAX_UDP];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(packet);
                answer(buf, packet.getLength(), "udp").ifPresent(reply -> {
                    try {
                        udp.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                    } catch (IOException e) {
                        // the asker is gone; nothing to do
                    }
                });
            } catch (IOException e) {
                if (closed) return;
            }
        }
    }

    private void acceptTcp() {
        while (!closed) {
            try {
                Socket socket = tcp.accept();
                Thread.ofVirtual().name("dns-tcp-conn").start(() -> serveTcp(socket));
            } catch (IOException e) {
                if (closed) return;
            }
        }
    }

    /** RFC 1035 §4.2.2: each message is preceded by its two-byte length; several may share a connection. */
    private void serveTcp(Socket socket) {
        try (socket) {
            socket.setSoTimeout(TCP_IDLE_MILLIS);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            while (!closed) {
                int length = in.readUnsignedShort();
                byte[] message = new byte[length];
                in.readFully(message);
                Optional<byte[]> reply = answer(message, length, "tcp");
                if (reply.isEmpty()) return;
                out.writeShort(reply.get().length);
                out.write(reply.get());
                out.flush();
            }
        } catch (EOFException | SocketTimeoutException | SocketException e) {
            // the client is done, idle, or gone
        } catch (IOException e) {
            System.err.println("dns: tcp: " + e.getMessage());
        }
    }

    /** The refusal to send back and its audit line; empty when the message is not worth answering. */
    private Optional<byte[]> answer(byte[] buf, int length, String transport) {
        Optional<DnsMessage.Header> header = DnsMessage.header(buf, length);
        if (header.isEmpty() || !header.get().isQuery()) {
            return Optional.empty(); // too short to answer, or a response (never answer those: no loops)
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("decision", "deny");
        Optional<DnsMessage> query = DnsMessage.parse(buf, length);
        if (query.isPresent()) {
            line.put("name", query.get().name());
            line.put("type", query.get().typeName());
        } else {
            line.put("name", "");
            line.put("reason", "malformed query");
        }
        line.put("transport", transport);
        ctx.audit().write("dns", line);
        return Optional.of(query.map(DnsMessage::refusal).orElseGet(() -> DnsMessage.formatError(header.get())));
    }

    @Override
    public String name() {
        return "dns";
    }

    @Override
    public int port() {
        return udp.getLocalPort();
    }

    @Override
    public boolean healthy() {
        return !closed && !udp.isClosed() && !tcp.isClosed();
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            System.err.println("dns: closing: " + e.getMessage());
        }
    }
}
