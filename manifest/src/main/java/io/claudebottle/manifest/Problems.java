package io.claudebottle.manifest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Collects every diagnostic for one file, so that validation reports all problems at once. */
final class Problems {
    private final Path file;
    private final List<Diagnostic> diagnostics = new ArrayList<>();

    Problems(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    void error(Position at, String message) {
        diagnostics.add(new Diagnostic(Diagnostic.Severity.ERROR, file, at.line(), at.column(), message));
    }

    void warning(Position at, String message) {
        diagnostics.add(new Diagnostic(Diagnostic.Severity.WARNING, file, at.line(), at.column(), message));
    }

    boolean hasErrors() {
        return diagnostics.stream().anyMatch(Diagnostic::isError);
    }

    /** In file order, so that the output reads top to bottom. */
    List<Diagnostic> all() {
        return diagnostics.stream()
                .sorted(java.util.Comparator.comparingInt(Diagnostic::line).thenComparingInt(Diagnostic::column))
                .toList();
    }
}
