package io.claudebottle.dlp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The byte path's trigram filter only skips work: it reports exactly what the char-by-char search reports. */
class KeywordPrefilterTest {
    @Test
    void bytePathReportsWhatTheCharPathReports() {
        List<CompiledRule> rules = new ArrayList<>();
        for (Rule r : RuleFile.builtIn()) rules.add(CompiledRule.of(rules.size(), r));
        KeywordPrefilter prefilter = new KeywordPrefilter(rules);
        List<String> pieces = new ArrayList<>();
        for (Rule r : RuleFile.builtIn()) pieces.addAll(r.keywords());
        pieces.addAll(List.of(" ", "x", "\n", "=", "ab", "Q~", "q~")); // two-char keywords at the very end too
        Random random = new Random(1);
        int compared = 0;
        for (int trial = 0; trial < 20_000; trial++) {
            StringBuilder b = new StringBuilder();
            for (int i = 0, n = random.nextInt(12); i < n; i++) {
                String p = pieces.get(random.nextInt(pieces.size()));
                if (random.nextBoolean()) p = p.toUpperCase(Locale.ROOT);
                if (random.nextInt(4) == 0 && p.length() > 1) p = p.substring(random.nextInt(p.length()));
                b.append(p);
            }
            String text = b.toString();
            byte[] ascii = LayeredScan.asciiBytes(text);
            if (ascii == null) continue;
            List<String> fromBytes = new ArrayList<>();
            List<String> fromChars = new ArrayList<>();
            prefilter.scan(text, ascii, (rule, from, to) -> fromBytes.add(rule + ":" + from + ":" + to));
            prefilter.scan(text, 0, (rule, from, to) -> fromChars.add(rule + ":" + from + ":" + to));
            assertThat(fromBytes).as(text).isEqualTo(fromChars);
            compared++;
        }
        assertThat(compared).isGreaterThan(10_000);
    }
}
