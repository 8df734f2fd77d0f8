package io.claudebottle.dlp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shortcuts for plain text (ASCII stretches copied as they are, keyword hits kept from the
 * prefilter instead of rescanning lines) must not let a secret through at their edges.
 */
class StretchEvasionTest {
    static Stream<SecretScanner> scanners() {
        return EvasionTest.scanners();
    }

    private static List<String> idsOfTextAndBytes(SecretScanner s, String text) {
        List<String> fromText = s.scan(text).stream().map(Finding::ruleId).toList();
        List<String> fromBytes = s.scan(text.getBytes(StandardCharsets.UTF_8)).stream().map(Finding::ruleId).toList();
        assertThat(fromBytes).as("bytes and text agree").isEqualTo(fromText);
        return fromText;
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void zeroWidthAndHomoglyphsRightAfterALongAsciiStretch(SecretScanner s) {
        String gh = EvasionTest.GH;
        for (int stretch : new int[] {0, 1, 7, 8, 9, 4095, 4096, 65_537}) {
            String ascii = stretch == 0 ? "" : "x".repeat(stretch - 1) + " "; // the token needs a word boundary
            // zero-width space right after the stretch, inside the token, and at its very end
            assertThat(idsOfTextAndBytes(s, ascii + "\u200B" + gh)).as("zws right after %d", stretch).contains("github-pat");
            assertThat(idsOfTextAndBytes(s, ascii + gh.substring(0, 4) + "\u200B" + gh.substring(4))).as("zws after %d", stretch)
                    .contains("github-pat");
            assertThat(idsOfTextAndBytes(s, ascii + " " + gh + "\u200B")).as("zws at end after %d", stretch).contains("github-pat");
            // a Cyrillic look-alike as the token's first letter, glued to the stretch's last char
            assertThat(idsOfTextAndBytes(s, ascii + " \u0410KIA" + EvasionTest.AWS.substring(4))).as("homoglyph after %d", stretch)
                    .contains("aws-access-key-id");
            // a control char inside the keyword, after the stretch
            assertThat(idsOfTextAndBytes(s, ascii + "\ngh\u0000p_" + gh.substring(4))).as("control after %d", stretch)
                    .contains("github-pat");
        }
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void encodedRunAfterNonAsciiChars(SecretScanner s) {
        byte[] secret = ("token " + EvasionTest.GH).getBytes(StandardCharsets.UTF_8);
        String b64 = Base64.getEncoder().encodeToString(secret);
        String hex = HexFormat.of().formatHex(secret);
        // Emoji are surrogate pairs: a one-byte-per-char view that made them one byte shifted
        // every later run by one char, hid the secret (one emoji) or crashed the scan (two).
        for (String before : new String[] {"\uD83D\uDE00 ", "\uD83D\uDE00\uD83D\uDE00 ", "é\uD83D\uDE00x ", "\u200B\uD83D\uDE00:",
                "ü".repeat(100) + " ", "\uD835\uDC00".repeat(50) + "="}) {
            for (String run : new String[] {b64, hex}) {
                assertThat(idsOfTextAndBytes(s, before + run)).as("%s after %s", run, before).contains("github-pat");
                assertThat(idsOfTextAndBytes(s, "line one\n" + before + "x\n" + run + "\n")).as("%s lines after %s", run, before)
                        .contains("github-pat");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("scanners")
    void secretAfterManyKeywordLinesIsFoundOnItsOwnLine(SecretScanner s) {
        // Keyword hits of earlier lines are kept for the line-by-line confirmation; the secret's
        // line must get its own hits, also when the keyword lines come after it.
        String noise = "password = os.environ[\"DB_PASSWORD\"] token key secret ghp_ sk-ant- AKIA\n".repeat(2000);
        String text = noise + "GITHUB_TOKEN=" + EvasionTest.GH + "\n" + noise;
        List<Finding> found = s.scan(text);
        assertThat(found).extracting(Finding::ruleId).contains("github-pat");
        assertThat(found).filteredOn(f -> f.ruleId().equals("github-pat")).extracting(Finding::line).containsExactly(2001);
    }
}
