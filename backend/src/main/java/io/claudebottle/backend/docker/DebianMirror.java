package io.claudebottle.backend.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Debian mirror this machine's apt already uses for a suite, so that debootstrap goes where apt
 * goes (and through the same proxy rules). {@code BOTTLE_DEBIAN_MIRROR} overrides it.
 */
final class DebianMirror {

    private DebianMirror() {
    }

    static Optional<String> find(String suite, Path aptDir) {
        String override = System.getenv("BOTTLE_DEBIAN_MIRROR");
        if (override != null && !override.isBlank()) {
            return Optional.of(override.strip());
        }
        List<Path> files = new ArrayList<>();
        files.add(aptDir.resolve("sources.list"));
        try (Stream<Path> list = Files.list(aptDir.resolve("sources.list.d"))) {
            list.sorted().forEach(files::add);
        } catch (IOException e) {
            // no sources.list.d: only sources.list counts
        }
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                continue;
            }
            try {
                List<String> lines = Files.readAllLines(file);
                Optional<String> uri = file.toString().endsWith(".sources")
                        ? fromDeb822(lines, suite) : fromOneLine(lines, suite);
                if (uri.isPresent()) {
                    return uri;
                }
            } catch (IOException e) {
                // unreadable source file: try the next one
            }
        }
        return Optional.empty();
    }

    static Optional<String> fromOneLine(List<String> lines, String suite) {
        for (String raw : lines) {
            String line = raw.replaceAll("\\[[^]]*]", " ").strip();
            String[] f = line.split("\\s+");
            if (f.length >= 3 && f[0].equals("deb") && f[2].equals(suite)) {
                return Optional.of(f[1]);
            }
        }
        return Optional.empty();
    }

    static Optional<String> fromDeb822(List<String> lines, String suite) {
        String uris = null;
        String suites = null;
        String types = null;
        List<String> padded = new ArrayList<>(lines);
        padded.add("");
        for (String raw : padded) {
            String line = raw.strip();
            if (line.isEmpty()) {
                if (uris != null && suites != null && (types == null || List.of(types.split("\\s+")).contains("deb"))
                        && List.of(suites.split("\\s+")).contains(suite)) {
                    return Optional.of(uris.split("\\s+")[0]);
                }
                uris = suites = types = null;
            } else if (!line.startsWith("#")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    String key = line.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT);
                    String value = line.substring(colon + 1).strip();
                    switch (key) {
                        case "uris" -> uris = value;
                        case "suites" -> suites = value;
                        case "types" -> types = value;
                        default -> { }
                    }
                }
            }
        }
        return Optional.empty();
    }
}
