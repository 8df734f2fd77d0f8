package io.claudebottle.dlp;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class BodyScanTest {
    static final String AWS = EvasionTest.AWS;
    final SecretScanner scanner = SecretScanner.defaults();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    private static byte[] zlib(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    private static BodyVerdict.Secrets secrets(BodyVerdict v) {
        assertThat(v).isInstanceOf(BodyVerdict.Secrets.class);
        return (BodyVerdict.Secrets) v;
    }

    @Test
    void cleanBodyIsClean() {
        assertThat(scanner.scanBody(utf8("{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                "application/json", null)).isInstanceOf(BodyVerdict.Clean.class);
    }

    @Test
    void gzipDeflateAndBrotliBodiesAreDecoded() throws IOException {
        byte[] body = utf8("{\"k\":\"" + AWS + "\"}");
        assertThat(secrets(scanner.scanBody(gzip(body), "application/json", "gzip")).findings())
                .extracting(Finding::ruleId).contains("aws-access-key-id");
        assertThat(secrets(scanner.scanBody(zlib(body), "application/json", "deflate")).findings())
                .extracting(Finding::ruleId).contains("aws-access-key-id");
        assertThat(secrets(scanner.scanBody(gzip(zlib(body)), null, "deflate, gzip")).findings())
                .extracting(Finding::ruleId).contains("aws-access-key-id");
        // node: zlib.brotliCompressSync("hello world, nothing to see here. " x20 + "key AKIAQYLPMN5HHHFPZAM2 end\n")
        byte[] br = Base64.getDecoder().decode("G8QC+I3UTnfiUGTktr6S/vrmcF01QlZLRBlswIlQRAFYNLHcDmQQw0o07/sFoZghB8g3YH4Hjub2w8kSp2nzuijtmArrzik0zp4A");
        assertThat(secrets(scanner.scanBody(br, "text/plain", "br")).findings())
                .extracting(Finding::ruleId).contains("aws-access-key-id");
    }

    @Test
    void unknownOrBrokenEncodingsAreUnscannable() throws IOException {
        byte[] body = utf8("AKIA" + "x".repeat(10));
        assertThat(scanner.scanBody(body, "text/plain", "zstd")).isInstanceOf(BodyVerdict.Unscannable.class)
                .extracting(v -> ((BodyVerdict.Unscannable) v).reason()).asString().contains("zstd");
        assertThat(scanner.scanBody(body, "text/plain", "gzip")).isInstanceOf(BodyVerdict.Unscannable.class);
        assertThat(scanner.scanBody(body, "text/plain", "br")).isInstanceOf(BodyVerdict.Unscannable.class);
        byte[] truncated = java.util.Arrays.copyOf(gzip(utf8(AWS.repeat(100))), 20);
        assertThat(scanner.scanBody(truncated, "text/plain", "gzip")).isInstanceOf(BodyVerdict.Unscannable.class);
    }

    @Test
    void decompressionBombIsRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 40; i++) z.write(zeros); // 40 MB of zeros, ~40 KB compressed
        }
        assertThat(out.size()).isLessThan(200_000);
        BodyVerdict v = scanner.scanBody(out.toByteArray(), "application/octet-stream", "gzip");
        assertThat(v).isInstanceOf(BodyVerdict.Unscannable.class);
        assertThat(((BodyVerdict.Unscannable) v).reason()).contains("bomb");
    }

    @Test
    void jsonKeysAndEscapedValuesAreFound() {
        BodyVerdict v = scanner.scanBody(utf8("{\"note\":\"x\",\"" + AWS + "\":1,\"t\":\"gh\\u0070_R8aVbQ3mT6xW9zK2pL5nJ7cF4hD1sG0yE8uI\"}"),
                "application/json; charset=utf-8", null);
        assertThat(secrets(v).findings()).extracting(Finding::ruleId).contains("aws-access-key-id", "github-pat");
    }

    @Test
    void formFieldsAreDecoded() {
        String body = "user=bob&note=" + java.net.URLEncoder.encode("my key: " + AWS, StandardCharsets.UTF_8);
        assertThat(secrets(scanner.scanBody(utf8(body.replace("AKIA", "%41KIA")), "application/x-www-form-urlencoded", null))
                .findings()).extracting(Finding::ruleId).contains("aws-access-key-id");
    }

    @Test
    void malformedFormIsUnscannable() {
        assertThat(scanner.scanBody(utf8("a=%zz%&b=%"), "application/x-www-form-urlencoded", null))
                .isInstanceOf(BodyVerdict.Unscannable.class);
    }

    @Test
    void multipartFilenamesPartHeadersAndContentAreScanned() {
        String b = "XyZboundary";
        String filename = "--" + b + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"" + AWS + ".txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\nhello\r\n--" + b + "--\r\n";
        assertThat(secrets(scanner.scanBody(utf8(filename), "multipart/form-data; boundary=" + b, null)).findings())
                .extracting(Finding::ruleId).contains("aws-access-key-id");
        String header = "--" + b + "\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Note: " + EvasionTest.GH + "\r\n\r\nv\r\n--" + b + "--\r\n";
        assertThat(secrets(scanner.scanBody(utf8(header), "multipart/form-data; boundary=" + b, null)).findings())
                .extracting(Finding::ruleId).contains("github-pat");
        String content = "--" + b + "\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n"
                + Base64.getEncoder().encodeToString(utf8("aws=" + AWS)) + "\r\n--" + b + "--\r\n";
        assertThat(secrets(scanner.scanBody(utf8(content), "multipart/form-data; boundary=" + b, null)).findings())
                .extracting(Finding::ruleId).contains("aws-access-key-id");
    }

    @Test
    void malformedMultipartIsUnscannable() {
        assertThat(scanner.scanBody(utf8("--b\r\nno headers and never closed"), "multipart/form-data; boundary=b", null))
                .isInstanceOf(BodyVerdict.Unscannable.class);
        assertThat(scanner.scanBody(utf8("whatever"), "multipart/form-data", null))
                .isInstanceOf(BodyVerdict.Unscannable.class);
    }

    @Test
    void injectedTokenIsIgnoredButOtherSecretsAreNot() {
        String token = "sk-ant-oat01-" + "Q".repeat(3) + "abcdefghijklmnopqrstuvwxyz0123456789";
        SecretScanner s = scanner.ignoringValues(java.util.Set.of(token));
        assertThat(s.scanBody(utf8("Authorization: Bearer " + token), "text/plain", null)).isInstanceOf(BodyVerdict.Clean.class);
        assertThat(s.scanBody(utf8("Authorization: Bearer " + token + " " + AWS), "text/plain", null))
                .isInstanceOf(BodyVerdict.Secrets.class);
    }
}
