package io.claudebottle.backend.smolvm;

import java.util.Locale;

/** The host OS, as far as the smolmachines backend cares: its macOS-only steps are skipped elsewhere. */
public enum HostPlatform {
    MACOS, LINUX, OTHER;

    public static HostPlatform current() {
        return of(System.getProperty("os.name", ""));
    }

    static HostPlatform of(String osName) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return MACOS;
        }
        return os.startsWith("linux") ? LINUX : OTHER;
    }
}
