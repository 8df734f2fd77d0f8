package io.claudebottle.dlp;

import java.util.Objects;

/**
 * {@code text[from, to)} as a CharSequence for RE2J, without copying it, recording how many chars
 * RE2J read and how far: the work an attempt really did, and whether it ran into the window's end.
 */
final class CountingWindow implements CharSequence {
    private String text = "";
    private int from;
    private int length;
    private long reads;
    private int furthest = -1;

    CountingWindow set(String text, int from, int to) {
        this.text = text;
        this.from = from;
        this.length = to - from;
        this.reads = 0;
        this.furthest = -1;
        return this;
    }

    long reads() {
        return reads;
    }

    /** The largest index read, or -1. */
    int furthest() {
        return furthest;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        Objects.checkIndex(index, length);
        reads++;
        if (index > furthest) furthest = index;
        return text.charAt(from + index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        Objects.checkFromToIndex(start, end, length);
        return text.substring(from + start, from + end);
    }

    @Override
    public String toString() {
        return text.substring(from, from + length);
    }
}
