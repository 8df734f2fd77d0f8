package io.claudebottle.manifest;

/** A 1-based line and column in a manifest file. */
record Position(int line, int column) {
    static final Position FILE_START = new Position(1, 1);
}
