package io.claudebottle.manifest;

import java.nio.file.Path;

/** A bottle or agent file that was found, valid or not (what {@code bottle list} shows). */
public record ManifestFile(Kind kind, String name, Path source, boolean fromRepo, boolean valid) {
    public enum Kind { BOTTLE, AGENT }
}
