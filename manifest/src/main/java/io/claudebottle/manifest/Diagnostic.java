package io.claudebottle.manifest;

import java.nio.file.Path;

/**
 * One problem found in a manifest file, pointing at the exact place: rendered as
 * {@code file:line:column: error: message} (1-based, like a compiler), the message ending with
 * the fix.
 */
public record Diagnostic(Severity severity, Path file, int line, int column, String message) {

    public enum Severity { ERROR, WARNING }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    public String render() {
        String where = line > 0 ? file + ":" + line + ":" + column : file.toString();
        return where + ": " + severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + message;
    }

    @Override
    public String toString() {
        return render();
    }
}
