package io.claudebottle.manifest;

import java.util.List;

/**
 * The frontmatter as a tree of positioned YAML nodes. Every node remembers where it starts, so
 * schema errors can point at the offending value.
 */
sealed interface YNode permits YNode.Scalar, YNode.Seq, YNode.Map {

    Position at();

    /** Used in messages: "found a list". */
    String describe();

    /** A scalar with its Core-schema type; INVALID marks a value already reported as an error. */
    record Scalar(String value, Kind kind, Position at) implements YNode {
        enum Kind { STRING, INT, FLOAT, BOOL, NULL, INVALID }

        @Override
        public String describe() {
            return switch (kind) {
                case STRING -> "a string";
                case INT -> "a number";
                case FLOAT -> "a number";
                case BOOL -> "a boolean";
                case NULL, INVALID -> "nothing";
            };
        }
    }

    record Seq(List<YNode> items, Position at) implements YNode {
        @Override
        public String describe() {
            return "a list";
        }
    }

    record Map(List<Entry> entries, Position at) implements YNode {
        @Override
        public String describe() {
            return "a mapping";
        }
    }

    record Entry(Scalar key, YNode value) {}
}
