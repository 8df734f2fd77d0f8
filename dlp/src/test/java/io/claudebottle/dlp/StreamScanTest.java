package io.claudebottle.dlp;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StreamScanTest {
    final SecretScanner scanner = SecretScanner.defaults();

    private List<Finding> feed(byte[] data, int... cuts) {
        StreamScan s = scanner.stream();
        List<Finding> out = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            out.addAll(s.update(data, from, cut - from));
            from = cut;
        }
        out.addAll(s.update(data, from, data.length - from));
        out.addAll(s.finish());
        return out;
    }

    @Test
    void secretSplitAtEveryPossibleBoundaryIsFoundOnce() {
        String prefix = "lorem ipsum ".repeat(50);
        byte[] data = (prefix + "key " + EvasionTest.GH + " trailing text\n").getBytes(StandardCharsets.UTF_8);
        int at = prefix.length() + 4;
        for (int cut = at - 2; cut <= at + EvasionTest.GH.length() + 2; cut++) {
            List<Finding> f = feed(data, cut);
            assertThat(f).as("cut at " + cut).extracting(Finding::ruleId).containsOnlyOnce("github-pat");
            assertThat(f.getFirst().offset()).isEqualTo(at);
        }
    }

    @Test
    void tinyChunksAndMultibyteCharacters() {
        String text = "é".repeat(100) + "\nline two " + EvasionTest.AWS + "\n";
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        int[] cuts = new int[data.length - 1];
        for (int i = 0; i < cuts.length; i++) cuts[i] = i + 1; // one byte at a time
        List<Finding> f = feed(data, cuts);
        assertThat(f).extracting(Finding::ruleId).containsExactly("aws-access-key-id");
        assertThat(f.getFirst().line()).isEqualTo(2);
        assertThat(f.getFirst().offset()).isEqualTo(200 + "\nline two ".length());
    }

    @Test
    void encodedSecretAcrossChunksIsFound() {
        String b64 = java.util.Base64.getEncoder().encodeToString(("aws " + EvasionTest.AWS).getBytes(StandardCharsets.UTF_8));
        byte[] data = ("data: " + b64 + "\n").getBytes(StandardCharsets.UTF_8);
        assertThat(feed(data, 10, 20, 30)).extracting(Finding::ruleId).contains("aws-access-key-id");
    }

    @Test
    void memoryStaysBoundedOverALongStream() {
        StreamScan s = scanner.stream();
        byte[] chunk = "nothing to see here, just words and numbers 12345\n".repeat(200).getBytes(StandardCharsets.UTF_8);
        List<Finding> found = new ArrayList<>();
        for (int i = 0; i < 500; i++) found.addAll(s.update(chunk, 0, chunk.length)); // 5 MB
        byte[] tail = ("x " + EvasionTest.AWS + "\n").getBytes(StandardCharsets.UTF_8);
        found.addAll(s.update(tail, 0, tail.length));
        assertThat(found).extracting(Finding::ruleId).containsExactly("aws-access-key-id");
        assertThat(found.getFirst().offset()).isEqualTo(500L * chunk.length + 2);
        assertThat(found.getFirst().line()).isEqualTo(500 * 200 + 1);
    }
}
