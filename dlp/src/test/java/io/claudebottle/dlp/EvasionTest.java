package io.claudebottle.dlp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Each way of hiding a secret that invariant 5 names, tried against both match paths. */
class EvasionTest {
    static final String AWS = "AKIAQYLPMN5HHHFPZAM2";
    static final String GH = "ghp_R8aVbQ3mT6xW9zK2pL5nJ7cF4hD1sG0yE8uI";

    static Stream<SecretScanner> scanners() {
        RuleVectorsTest.engines();
        return RuleVectorsTest.scanners().stream();
    }

    private static List<String> ids(SecretScanner s, String text) {
        return s.scan(text).stream().map(Finding::ruleId).toList();
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void plain(SecretScanner s) {
        assertThat(ids(s, "key=" + AWS)).contains("aws-access-key-id");
        assertThat(s.scan("x " + GH).getFirst().via()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void base64StandardAndUrlSafe(SecretScanner s) {
        String secret = "token for ci: " + GH + " ??>>";
        String std = Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8));
        String url = Base64.getUrlEncoder().withoutPadding().encodeToString(secret.getBytes(StandardCharsets.UTF_8));
        assertThat(std).containsAnyOf("+", "/");
        assertThat(url).containsAnyOf("-", "_");
        List<Finding> a = s.scan("{\"data\":\"" + std + "\"}");
        assertThat(a).extracting(Finding::ruleId).contains("github-pat");
        assertThat(a).extracting(Finding::via).contains("base64");
        assertThat(ids(s, "payload=" + url)).contains("github-pat");
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void hex(SecretScanner s) {
        String hex = HexFormat.of().formatHex(("aws " + AWS).getBytes(StandardCharsets.UTF_8));
        List<Finding> f = s.scan("blob " + hex);
        assertThat(f).extracting(Finding::ruleId).contains("aws-access-key-id");
        assertThat(f).extracting(Finding::via).contains("hex");
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void urlEncodedInThreeLayers(SecretScanner s) {
        String once = percentAll(GH);
        String twice = URLEncoder.encode(once, StandardCharsets.UTF_8);
        String thrice = URLEncoder.encode(twice, StandardCharsets.UTF_8);
        assertThat(thrice).contains("%2525");
        List<Finding> f = s.scan("GET /?q=" + thrice + " HTTP/1.1");
        assertThat(f).extracting(Finding::ruleId).contains("github-pat");
        assertThat(f).extracting(Finding::via).contains("url>url>url");
    }

    private static String percentAll(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append('%').append(String.format("%02X", (int) c));
        return b.toString();
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void jsonUnicodeEscapes(SecretScanner s) {
        StringBuilder escaped = new StringBuilder();
        for (char c : AWS.toCharArray()) escaped.append(String.format("\\u%04x", (int) c));
        assertThat(ids(s, "{\"k\":\"" + escaped + "\"}")).contains("aws-access-key-id");
        assertThat(ids(s, "{\"u\":\"https:\\/\\/hooks.slack.com\\/services\\/T0000AAAA\\/B0000BBBB\\/abcdefghijklmnopqrstuvwx\"}"))
                .contains("slack-webhook-url");
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void zeroWidthAndControlCharacters(SecretScanner s) {
        String hidden = AWS.substring(0, 4) + "\u200B" + AWS.substring(4, 10) + "\u2060\u00AD" + AWS.substring(10, 15)
                + "\u0007\uFEFF" + AWS.substring(15);
        List<Finding> f = s.scan("id " + hidden);
        assertThat(f).extracting(Finding::ruleId).contains("aws-access-key-id");
        assertThat(f).extracting(Finding::via).contains("unicode");
        assertThat(f.getFirst().offset()).isEqualTo(3);
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void homoglyphsAndFullwidth(SecretScanner s) {
        // Cyrillic А and Greek Κ for the prefix, fullwidth digits in the body.
        String cyrillic = "\u0410" + "\u039A" + "IA" + AWS.substring(4).replace('5', '\uFF15').replace('2', '\uFF12');
        assertThat(ids(s, "key " + cyrillic)).contains("aws-access-key-id");
        String combining = GH.substring(0, 6) + "\u0301" + GH.substring(6);
        assertThat(ids(s, combining)).contains("github-pat");
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void layersCombine(SecretScanner s) {
        String b64 = Base64.getEncoder().encodeToString(("secret " + GH).getBytes(StandardCharsets.UTF_8));
        String urlOfBase64 = URLEncoder.encode(b64, StandardCharsets.UTF_8).replace("%", "%25");
        assertThat(ids(s, "x=" + urlOfBase64)).contains("github-pat");
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void binaryLookingBase64IsNotReportedAsText(SecretScanner s) {
        byte[] random = new byte[48];
        new java.util.Random(1).nextBytes(random);
        assertThat(s.scan("integrity sha512-" + Base64.getEncoder().encodeToString(random))).isEmpty();
    }
}
