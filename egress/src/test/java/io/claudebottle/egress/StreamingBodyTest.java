package io.claudebottle.egress;

import io.claudebottle.dlp.SecretScanner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hold-back of a streamed body, without sockets: whatever way the body is cut into chunks and
 * wherever the secret sits relative to the scan windows, no byte of the secret is released for
 * forwarding before the body is blocked, and a clean body is released whole and in order.
 */
class StreamingBodyTest {
    static final String SECRET = EgressDlpTest.SECRET;
    static final int BATCH = 1024;
    static final int OVERLAP = 256;
    static final SecretScanner SCANNER = SecretScanner.defaults();

    /** What the body released, and how it ended. */
    record Outcome(byte[] released, StreamingBody.Step end) {}

    static Outcome feed(byte[] body, Random cuts, BodyDecoding decoding) {
        ByteArrayOutputStream released = new ByteArrayOutputStream();
        try (StreamingBody sb = new StreamingBody(SCANNER, decoding, BATCH, OVERLAP, 1L << 30, 200)) {
            int at = 0;
            while (true) {
                int n = Math.min(body.length - at, 1 + cuts.nextInt(cuts.nextBoolean() ? 40 : 3000));
                boolean last = at + n == body.length;
                StreamingBody.Step step = sb.offer(Unpooled.copiedBuffer(body, at, n), last);
                at += n;
                if (!(step instanceof StreamingBody.Forward(var raw))) return new Outcome(released.toByteArray(), step);
                for (ByteBuf b : raw) {
                    byte[] bytes = new byte[b.readableBytes()];
                    b.readBytes(bytes);
                    b.release();
                    released.writeBytes(bytes);
                }
                if (last) return new Outcome(released.toByteArray(), step);
            }
        }
    }

    static byte[] text(int size) {
        return EgressStreamingBodyTest.text(size);
    }

    @Test
    void noByteOfASecretIsReleasedWhereverItFallsAndHoweverTheBodyIsCut() {
        Random r = new Random(7);
        int bodySize = 12 * BATCH;
        byte[] secret = (" " + SECRET + " ").getBytes(StandardCharsets.US_ASCII);
        for (int trial = 0; trial < 400; trial++) {
            byte[] body = text(bodySize);
            // around window boundaries most of the time: the carry is where a split secret hides
            int window = 1 + r.nextInt(10);
            int at = r.nextInt(4) == 0 ? r.nextInt(bodySize - secret.length)
                    : Math.clamp((long) window * BATCH + r.nextInt(2 * OVERLAP) - OVERLAP - secret.length / 2, 0, bodySize - secret.length);
            System.arraycopy(secret, 0, body, at, secret.length);

            Outcome o = feed(body, r, null);

            assertThat(o.end()).as("trial %d, secret at %d", trial, at).isInstanceOf(StreamingBody.Blocked.class);
            assertThat(o.released().length).as("bytes released before the secret at %d (trial %d)", at, trial)
                    .isLessThanOrEqualTo(at + 1);
        }
    }

    @Test
    void aCleanBodyIsReleasedWholeAndInOrder() {
        Random r = new Random(11);
        for (int trial = 0; trial < 50; trial++) {
            byte[] body = text(BATCH * (1 + r.nextInt(20)) + r.nextInt(BATCH));
            Outcome o = feed(body, r, null);
            assertThat(o.end()).isInstanceOf(StreamingBody.Forward.class);
            assertThat(o.released()).isEqualTo(body);
        }
    }

    @Test
    void multiByteCharactersAcrossWindowBoundariesDoNotHideASecret() {
        Random r = new Random(3);
        for (int trial = 0; trial < 100; trial++) {
            StringBuilder s = new StringBuilder();
            while (s.length() < 6 * BATCH) s.append(r.nextBoolean() ? "żółw " : "日本語 ").append(r.nextInt(100));
            byte[] body = s.toString().getBytes(StandardCharsets.UTF_8);
            byte[] secret = (" " + SECRET + " ").getBytes(StandardCharsets.US_ASCII);
            int at = Math.clamp((long) (1 + r.nextInt(4)) * BATCH - r.nextInt(OVERLAP), 0, body.length - secret.length);
            System.arraycopy(secret, 0, body, at, secret.length);
            Outcome o = feed(body, r, null);
            assertThat(o.end()).as("trial %d", trial).isInstanceOf(StreamingBody.Blocked.class);
            assertThat(o.released().length).isLessThanOrEqualTo(at + 1);
        }
    }

    @Test
    void aGzipBodyIsReleasedOnlyAsFarAsItsDecodedContentWasScanned() throws Exception {
        Random r = new Random(5);
        for (int trial = 0; trial < 30; trial++) {
            byte[] plain = text(40 * BATCH);
            int at = r.nextInt(plain.length - 40);
            byte[] secret = (" " + SECRET + " ").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(secret, 0, plain, at, secret.length);
            byte[] body = EgressStreamingBodyTest.gzip(plain);

            Outcome o = feed(body, r, BodyDecoding.of("gzip", ByteBufAllocator.DEFAULT));

            assertThat(o.end()).isInstanceOf(StreamingBody.Blocked.class);
            assertThat(EgressStreamingBodyTest.gunzipPrefix(o.released())).doesNotContain("AKIA");
        }
    }
}
