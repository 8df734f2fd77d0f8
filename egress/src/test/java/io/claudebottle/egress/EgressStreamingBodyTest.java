package io.claudebottle.egress;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Encoded bodies larger than the scan buffer: decoded while they stream, scanned, forwarded as
 * sent; decompression bombs, truncated data and codings that cannot be streamed are refused.
 */
class EgressStreamingBodyTest extends ProxyTestBase {
    static final String SECRET = EgressDlpTest.SECRET;



    private HttpResponse<String> post(byte[] body, String encoding) throws Exception {
        return fx.client().send(HttpRequest.newBuilder(URI.create("http://" + target() + "/up"))
                .header("Content-Type", "text/plain").header("Content-Encoding", encoding)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** About {@code size} bytes of varied text that compresses like real text (about 3:1). */
    static byte[] text(int size) {
        Random r = new Random(42);
        String[] words = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
                "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango"};
        StringBuilder s = new StringBuilder(size + 64);
        while (s.length() < size) s.append(words[r.nextInt(words.length)]).append(r.nextInt(1000)).append(r.nextBoolean() ? ' ' : '\n');
        s.setLength(size);
        return s.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out, 1 << 16)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    /** What the upstream received, gunzipped as far as it goes (it may be cut off). */
    static String gunzipPrefix(byte[] partial) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(partial))) {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) out.write(buf, 0, n);
        } catch (IOException cutOff) {
            // expected for a body refused part-way
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aFiveMegabyteGzipBodyWithASecretAtTheEndIsBlockedBeforeTheSecretLeaves() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        byte[] plain = text(5 << 20);
        byte[] tail = (" key=" + SECRET + "\n").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(tail, 0, plain, plain.length - tail.length, tail.length);
        byte[] body = gzip(plain);
        assertThat(body.length).as("encoded size, above the 1 MiB buffer").isGreaterThan(1 << 20);

        HttpResponse<String> r = post(body, "gzip");

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("\"blocked\":\"dlp\"").contains("aws-access-key-id").doesNotContain(SECRET);
        Thread.sleep(100);
        for (TestUpstream.Seen s : up.seen) {
            assertThat(s.complete).isFalse();
            assertThat(gunzipPrefix(s.body.toByteArray())).doesNotContain("AKIA");
        }
        assertThat(fx.auditText()).contains("\"reason\":\"dlp\"").doesNotContain(SECRET);
    }

    @Test
    void aCleanFiveMegabyteGzipBodyIsForwardedByteForByte() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())));
        byte[] body = gzip(text(5 << 20));

        HttpResponse<String> r = post(body, "gzip");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok POST /up " + body.length);
        assertThat(up.seen.getFirst().body.toByteArray()).isEqualTo(body);
        assertThat(up.seen.getFirst().headers.get("Content-Encoding")).isEqualTo("gzip");
    }

    @Test
    void deflateAndLayeredCodingsAreDecodedWhileStreaming() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())).limits(Limits.defaults().withBodyBuffer(4096, 256)));
        byte[] plain = text(200_000);
        byte[] tail = (" key=" + SECRET + "\n").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(tail, 0, plain, 150_000, tail.length);
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(z)) {
            d.write(gzip(plain)); // applied in order: gzip, then deflate
        }
        HttpResponse<String> r = post(z.toByteArray(), "gzip, deflate");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("aws-access-key-id");

        byte[] clean = text(200_000);
        ByteArrayOutputStream z2 = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(z2)) {
            d.write(clean);
        }
        HttpResponse<String> ok = post(z2.toByteArray(), "deflate");
        assertThat(ok.statusCode()).as(fx.auditText()).isEqualTo(200);
    }

    @Test
    void aDecompressionBombIsRefusedByTheRatioCap() throws Exception {
        fx.start(b -> b.allowlist(List.of(target()))
                .limits(Limits.defaults().withBodyBuffer(4096, 256).withDecodeBounds(1L << 30, 50)));
        byte[] bomb = gzip(new byte[16 << 20]); // 16 MiB of zeros: about 16 KiB, a ratio near 1000
        assertThat(bomb.length).isGreaterThan(4096);

        HttpResponse<String> r = post(bomb, "gzip");

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("\"blocked\":\"unscannable-body\"").contains("decompression bomb");
        assertThat(up.seen).allSatisfy(s -> assertThat(s.complete).isFalse());
    }

    @Test
    void aBodyDecodingPastTheAbsoluteCapIsRefused() throws Exception {
        fx.start(b -> b.allowlist(List.of(target()))
                .limits(Limits.defaults().withBodyBuffer(4096, 256).withDecodeBounds(1 << 20, 10_000)));
        HttpResponse<String> r = post(gzip(text(3 << 20)), "gzip");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("unscannable-body").contains("more than 1048576 bytes");
    }

    @Test
    void truncatedOrCorruptOrUnstreamableEncodingsAreRefused() throws Exception {
        fx.start(b -> b.allowlist(List.of(target())).limits(Limits.defaults().withBodyBuffer(4096, 256)));
        byte[] body = gzip(text(100_000));
        HttpResponse<String> truncated = post(Arrays.copyOf(body, body.length - 100), "gzip");
        assertThat(truncated.statusCode()).isEqualTo(403);
        assertThat(truncated.body()).contains("unscannable-body");

        byte[] corrupt = body.clone();
        for (int i = 2000; i < 2100; i++) corrupt[i] ^= 0x5a;
        HttpResponse<String> bad = post(corrupt, "gzip");
        assertThat(bad.statusCode()).isEqualTo(403);
        assertThat(bad.body()).contains("unscannable-body");

        byte[] trailing = Arrays.copyOf(body, body.length + 50);
        Arrays.fill(trailing, body.length, trailing.length, (byte) 'x');
        assertThat(post(trailing, "gzip").statusCode()).isEqualTo(403);

        HttpResponse<String> br = post(text(10_000), "br");
        assertThat(br.statusCode()).isEqualTo(403);
        assertThat(br.body()).contains("unscannable-body").contains("br");
        assertThat(up.seen).allSatisfy(s -> assertThat(s.complete).isFalse());
    }
}
