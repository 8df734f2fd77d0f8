package io.claudebottle.dlp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The kept keyword hits replay exactly the hits of a range, in their order, and give up when too many. */
class KeywordHitsTest {
    @Test
    void replaysTheHitsOfARangeInOrder() {
        RuleMatcher.KeywordHits hits = new RuleMatcher.KeywordHits();
        int[][] added = {{3, 0}, {1, 0}, {2, 5}, {7, 5}, {2, 5}, {4, 9}, {0, 12}, {5, 12}};
        for (int[] h : added) hits.add(h[0], h[1]);
        assertThat(replay(hits, 0, 100)).containsExactly("3@0", "1@0", "2@5", "7@5", "2@5", "4@9", "0@12", "5@12");
        assertThat(replay(hits, 5, 12)).containsExactly("2@5", "7@5", "2@5", "4@9");
        assertThat(replay(hits, 1, 5)).isEmpty();
        assertThat(replay(hits, 12, 13)).containsExactly("0@12", "5@12");
        assertThat(replay(hits, 13, 100)).isEmpty();
        assertThat(hits.orNull()).isSameAs(hits);
    }

    @Test
    void tooManyHitsAreNotKept() {
        RuleMatcher.KeywordHits hits = new RuleMatcher.KeywordHits();
        for (int i = 0; i <= RuleMatcher.KeywordHits.MAX; i++) hits.add(1, i);
        assertThat(hits.orNull()).isNull();
    }

    private static List<String> replay(RuleMatcher.KeywordHits hits, int from, int to) {
        List<String> out = new ArrayList<>();
        hits.replay(from, to, (rule, f, t) -> out.add(rule + "@" + f));
        return out;
    }
}
