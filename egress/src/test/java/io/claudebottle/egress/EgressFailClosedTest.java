package io.claudebottle.egress;

import io.claudebottle.dlp.BodyVerdict;
import io.claudebottle.dlp.Finding;
import io.claudebottle.dlp.SecretScanner;
import io.claudebottle.dlp.StreamScan;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A scanner that throws must never let the request through: it is refused and audited. */
class EgressFailClosedTest extends ProxyTestBase {


    enum Where { URL, BODY, STREAM }

    /** The real scanner, except that it throws at {@code where} (as a scanner bug or a native crash would). */
    record Broken(SecretScanner real, Where where) implements SecretScanner {
        static final String MESSAGE = "scanner bug quoting the payload";

        @Override
        public List<Finding> scan(CharSequence text) {
            if (where == Where.URL) throw new IllegalStateException(MESSAGE);
            return real.scan(text);
        }

        /** A streamed body is scanned window by window through this entry point. */
        @Override
        public List<Finding> scan(byte[] bytes) {
            if (where == Where.STREAM) throw new IndexOutOfBoundsException(MESSAGE);
            return real.scan(bytes);
        }

        @Override
        public BodyVerdict scanBody(byte[] body, String contentType, String contentEncoding) {
            if (where == Where.BODY) throw new OutOfMemoryError(MESSAGE);
            return real.scanBody(body, contentType, contentEncoding);
        }

        @Override
        public StreamScan stream() {
            StreamScan s = real.stream();
            return new StreamScan() {
                @Override
                public List<Finding> update(byte[] chunk, int offset, int length) {
                    if (where == Where.STREAM) throw new IndexOutOfBoundsException(MESSAGE);
                    return s.update(chunk, offset, length);
                }

                @Override
                public List<Finding> finish() {
                    return s.finish();
                }
            };
        }

        @Override
        public SecretScanner without(Set<String> ruleIds) {
            return new Broken(real.without(ruleIds), where);
        }

        @Override
        public SecretScanner ignoringValues(Set<String> values) {
            return new Broken(real.ignoringValues(values), where);
        }
    }

    private HttpResponse<String> post(byte[] body) throws Exception {
        return fx.client().send(HttpRequest.newBuilder(URI.create("http://allowed.test:" + up.port() + "/p?q=1"))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void assertRefusedAndAudited(HttpResponse<String> r, String error) throws Exception {
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("X-Bottle-Block")).hasValue("dlp-error");
        assertThat(r.body()).contains("\"blocked\":\"dlp-error\"").doesNotContain(Broken.MESSAGE);
        assertThat(up.seen).allSatisfy(s -> assertThat(s.complete).isFalse());
        assertThat(fx.auditText()).contains("\"reason\":\"dlp-error\"").contains("\"error\":\"" + error + "\"")
                .doesNotContain(Broken.MESSAGE);
    }

    @Test
    void aThrowingUrlScanRefusesTheRequest() throws Exception {
        fx.start(b -> b.allowlist(List.of("allowed.test:" + up.port())).scanner(new Broken(SecretScanner.defaults(), Where.URL)));
        assertRefusedAndAudited(post("hello".getBytes()), "java.lang.IllegalStateException");
        assertThat(up.seen).isEmpty();
    }

    @Test
    void aThrowingBodyScanRefusesTheRequest() throws Exception {
        fx.start(b -> b.allowlist(List.of("allowed.test:" + up.port())).scanner(new Broken(SecretScanner.defaults(), Where.BODY)));
        assertRefusedAndAudited(post("hello".getBytes()), "java.lang.OutOfMemoryError");
        assertThat(up.seen).isEmpty();
    }

    @Test
    void aThrowingStreamScanStopsAStreamedBody() throws Exception {
        fx.start(b -> b.allowlist(List.of("allowed.test:" + up.port())).scanner(new Broken(SecretScanner.defaults(), Where.STREAM))
                .limits(Limits.defaults().withBodyBuffer(4096, 256)));
        assertRefusedAndAudited(post(new byte[100_000]), "java.lang.IndexOutOfBoundsException");
    }
}
