package io.claudebottle.backend.smolvm;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The host's loopback interface, as far as loopback aliases go. */
interface LoopbackInterface {

    /** Makes every given address answer on the host's loopback; may prompt for a password. */
    void ensureUp(List<String> aliases);

    /** The loopback of this host: {@code lo0} aliases on macOS, nothing to do elsewhere. */
    static LoopbackInterface forThisHost(HostPlatform platform, ProcessRunner runner, Consumer<String> notice) {
        return platform == HostPlatform.MACOS ? new MacOsLoopback(runner, notice) : alreadyLocal();
    }

    /** Linux: all of 127.0.0.0/8 already answers on {@code lo}, so there is nothing to add. */
    static LoopbackInterface alreadyLocal() {
        return aliases -> { };
    }

    /**
     * macOS answers only on 127.0.0.1 until an alias is added with {@code ifconfig lo0 alias}, which
     * needs root and lasts until reboot. Every missing alias is added in one go, so sudo prompts once
     * per boot (its credential cache covers the rest of the batch) and later launches don't prompt.
     */
    final class MacOsLoopback implements LoopbackInterface {
        private static final Pattern INET = Pattern.compile("^\\s*inet\\s+(\\S+)", Pattern.MULTILINE);

        private final ProcessRunner runner;
        private final Consumer<String> notice;

        MacOsLoopback(ProcessRunner runner, Consumer<String> notice) {
            this.runner = runner;
            this.notice = notice;
        }

        @Override
        public void ensureUp(List<String> aliases) {
            Set<String> missing = new LinkedHashSet<>(aliases);
            missing.removeAll(present());
            if (missing.isEmpty()) {
                return;
            }
            notice.accept("adding loopback aliases " + String.join(", ", missing)
                    + " to lo0 for smolmachines bottles (sudo asks for your password once per boot)");
            for (String alias : missing) {
                List<String> add = List.of("sudo", "ifconfig", "lo0", "alias", alias, "up");
                if (runner.runAttached(add) != 0) {
                    throw new SmolvmException("could not add loopback alias " + alias + " with `" + String.join(" ", add)
                            + "`; run it yourself (it needs an administrator password) and start the bottle again");
                }
            }
            Set<String> stillMissing = new LinkedHashSet<>(missing);
            stillMissing.removeAll(present());
            if (!stillMissing.isEmpty()) {
                throw new SmolvmException("`sudo ifconfig lo0 alias` succeeded but `ifconfig lo0` does not list "
                        + stillMissing + "; check lo0 with `ifconfig lo0` and add them by hand");
            }
        }

        private Set<String> present() {
            String out = runner.run(List.of("ifconfig", "lo0")).orFail("listing loopback aliases").stdout();
            Set<String> inet = new LinkedHashSet<>();
            Matcher m = INET.matcher(out);
            while (m.find()) {
                inet.add(m.group(1));
            }
            return inet;
        }
    }
}
