package io.claudebottle.dlp;

/** Shannon entropy of a secret, in bits per character. */
final class Entropy {
    private Entropy() {}

    static double shannon(CharSequence s, int from, int to) {
        int len = to - from;
        if (len <= 0) return 0;
        int[] counts = new int[128];
        java.util.Map<Character, Integer> other = null;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 128) counts[c]++;
            else {
                if (other == null) other = new java.util.HashMap<>();
                other.merge(c, 1, Integer::sum);
            }
        }
        double h = 0;
        for (int c : counts) if (c > 0) h -= (double) c / len * (Math.log((double) c / len) / Math.log(2));
        if (other != null) for (int c : other.values()) h -= (double) c / len * (Math.log((double) c / len) / Math.log(2));
        return h;
    }
}
