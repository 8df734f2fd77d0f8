package io.claudebottle.manifest;

import java.util.Optional;

/** A manifest file split into its YAML frontmatter (between two {@code ---} lines) and its body. */
record Frontmatter(String yaml, int firstYamlLine, String body) {

    static Optional<Frontmatter> split(String text, Problems problems) {
        String normalized = text.replace("\r\n", "\n");
        if (normalized.startsWith("\uFEFF")) {
            normalized = normalized.substring(1);
        }
        String[] lines = normalized.split("\n", -1);
        if (lines.length == 0 || !lines[0].strip().equals("---")) {
            problems.error(Position.FILE_START, "missing YAML frontmatter: start the file with a line `---`, "
                    + "then the keys, then a closing `---` line");
            return Optional.empty();
        }
        StringBuilder yaml = new StringBuilder();
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].stripTrailing().equals("---")) {
                StringBuilder body = new StringBuilder();
                for (int j = i + 1; j < lines.length; j++) {
                    body.append(lines[j]).append('\n');
                }
                return Optional.of(new Frontmatter(yaml.toString(), 2, body.toString().strip()));
            }
            yaml.append(lines[i]).append('\n');
        }
        problems.error(Position.FILE_START, "frontmatter is not closed: add a line `---` after the last key");
        return Optional.empty();
    }
}
