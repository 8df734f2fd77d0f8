package io.claudebottle.dlp;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Hyperscan and pure-Java paths must report the same findings on the whole corpus. */
class PathAgreementTest {

    @Test
    void bothPathsAgreeOnTheWholeCorpus() {
        boolean available = MatchPath.hyperscanUnavailableReason() == null;
        assumeTrue(available || Boolean.getBoolean("bottle.requireAll"),
                "Hyperscan native library unavailable: " + MatchPath.hyperscanUnavailableReason());
        RuleVectorsTest.engines();
        String corpus = Corpus.text(2_000_000, 7);
        List<Finding> fast = RuleVectorsTest.fast.scan(corpus);
        List<Finding> slow = RuleVectorsTest.pureJava.scan(corpus);
        assertThat(fast).isNotEmpty();
        assertThat(fast).isEqualTo(slow);
    }

    @Test
    void bothPathsAgreeOnLongLinesAcrossChunkBoundaries() {
        assumeTrue(MatchPath.hyperscanUnavailableReason() == null || Boolean.getBoolean("bottle.requireAll"), "no Hyperscan");
        RuleVectorsTest.engines();
        StringBuilder b = new StringBuilder();
        Random r = new Random(3);
        List<Vectors> vectors = Vectors.all();
        while (b.length() < 200_000) { // one line, many chunks
            b.append("abc".repeat(r.nextInt(3000))).append(' ');
            b.append(vectors.get(r.nextInt(vectors.size())).truePositives().getFirst()).append(' ');
        }
        String line = b.toString().replace('\n', ' ');
        assertThat(RuleVectorsTest.fast.scan(line)).isEqualTo(RuleVectorsTest.pureJava.scan(line));
    }

    /** Mixed text: prose, code, JSON, base64 blobs, with every vector planted, some encoded. */
    static final class Corpus {
        static String text(int size, long seed) {
            Random r = new Random(seed);
            List<Vectors> vectors = Vectors.all();
            StringBuilder b = new StringBuilder(size + 1000);
            String[] filler = {
                    "The quick brown fox jumps over the lazy dog while the build runs.\n",
                    "    public static String token(Map<String, String> env) { return env.get(\"TOKEN\"); }\n",
                    "{\"id\": 42, \"name\": \"widget\", \"tags\": [\"a\", \"b\"], \"secret_name\": \"db-password\"}\n",
                    "password = os.environ[\"DB_PASSWORD\"]  # read at start-up\n",
                    "integrity sha512-Z2l0aHViLmNvbS9zb21lL3BhY2thZ2UtbG9jay1oYXNoLXZhbHVlcw==\n",
                    "commit 3f9a2b7c1d4e5f60718293a4b5c6d7e8f9012345 Merge branch 'main'\n"};
            while (b.length() < size) {
                int k = r.nextInt(20);
                if (k == 0) {
                    Vectors v = vectors.get(r.nextInt(vectors.size()));
                    List<String> pool = r.nextBoolean() ? v.truePositives() : v.falsePositives();
                    String s = pool.get(r.nextInt(pool.size()));
                    switch (r.nextInt(4)) {
                        case 0 -> b.append(Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)));
                        case 1 -> b.append(java.net.URLEncoder.encode(s, StandardCharsets.UTF_8));
                        default -> b.append(s);
                    }
                    b.append('\n');
                } else {
                    b.append(filler[r.nextInt(filler.length)]);
                }
            }
            return b.toString();
        }
    }
}
