package io.claudebottle.dlp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Base64;
import java.util.HexFormat;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Encoded runs are found by probing every MIN_BASE64_RUN-th byte; a run must be caught wherever
 * it starts and ends relative to those probes, after short runs or none, in text and in bytes.
 */
class EncodedRunBoundaryTest {
    static Stream<SecretScanner> scanners() {
        return EvasionTest.scanners();
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void base64AndHexRunsAtEveryAlignment(SecretScanner s) {
        String secret = "ci " + EvasionTest.GH;
        String b64 = Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8));
        String hex = HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8));
        String[] before = {"", " ", "ab ", "abcdefghijklmnopqrstuvw ", "abcdefghijklmnopqrstuvwx:", "%% "};
        for (String lead : before) {
            for (int pad = 0; pad < 30; pad++) {
                for (String run : new String[] {b64, hex}) {
                    String text = lead + " ".repeat(pad) + run + (pad % 2 == 0 ? "" : ";tail");
                    assertThat(s.scan(text)).as("%s at %d after '%s'", run, pad, lead)
                            .anySatisfy(f -> assertThat(f.via()).isIn("base64", "hex"));
                    assertThat(s.scan(text.getBytes(StandardCharsets.UTF_8))).as("bytes: %s at %d", run, pad)
                            .anySatisfy(f -> assertThat(f.via()).isIn("base64", "hex"));
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void nonAsciiBytesStillScannedAsText(SecretScanner s) {
        byte[] secret = ("é " + EvasionTest.GH).getBytes(StandardCharsets.UTF_8);
        byte[] invalid = ("\u0000x " + EvasionTest.GH).getBytes(StandardCharsets.UTF_8);
        invalid[0] = (byte) 0xFF; // one invalid byte decodes to one char: same length, not ASCII
        assertThat(s.scan(secret)).extracting(Finding::ruleId).contains("github-pat");
        assertThat(s.scan(invalid)).extracting(Finding::ruleId).contains("github-pat");
    }

    /** Bytes are decoded by kind (ASCII as Latin-1, else UTF-8): each kind gives the secret's byte offset. */
    @ParameterizedTest
    @MethodSource("scanners")
    void bytesOfEachKindReportTheSecretsByteOffset(SecretScanner s) {
        for (String prefix : List.of("plain text ", "tab\tand\u0001control ", "caf\u00e9 \u00a9 ", "emoji \uD83D\uDE00 ")) {
            byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
            byte[] text = (prefix + EvasionTest.GH + " tail").getBytes(StandardCharsets.UTF_8);
            assertThat(s.scan(text)).as(prefix).filteredOn(f -> f.ruleId().equals("github-pat"))
                    .extracting(Finding::offset).containsExactly((long) head.length);
        }
        byte[] invalid = ("\u0000\u0000x " + EvasionTest.GH).getBytes(StandardCharsets.UTF_8);
        invalid[0] = (byte) 0xFF;
        invalid[1] = (byte) 0xC3; // a lead byte without its continuation
        assertThat(s.scan(invalid)).filteredOn(f -> f.ruleId().equals("github-pat"))
                .extracting(Finding::offset).containsExactly(4L);
    }
}
