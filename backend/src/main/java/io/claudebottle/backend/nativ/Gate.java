package io.claudebottle.backend.nativ;

import java.util.ArrayList;
import java.util.List;

/**
 * The handshake that holds the agent command back until the host is ready: inside the sandbox,
 * once every namespace and mount is in place, a shell prelude writes {@code ready} to fd 4 and
 * blocks reading fd 3; the host binds the listeners, then writes {@code go}. Both fds are FIFOs in
 * the launcher's private stage directory and are closed before the command runs. If the launcher
 * dies instead, fd 3 reads EOF and the prelude exits without running the command.
 */
final class Gate {

    static final String READY = "ready";
    static final String GO = "go";

    private Gate() {
    }

    /**
     * Shell lines that signal readiness, wait for go, close both handshake fds, and put the
     * command ({@code "$@"}) in a session of its own with {@code setsid}: without one it would
     * share the launcher's controlling terminal, and TIOCSTI could type into the user's shell.
     * {@code go N} instead of {@code go} gives the command {@code /dev/pts/N} of the sandbox as
     * stdin, stdout, stderr and controlling terminal.
     */
    static String handshake() {
        return "echo " + READY + " >&4; exec 4>&-; read -r go pts <&3 && [ \"$go\" = " + GO + " ] || exit 111; exec 3<&-; "
                + "case \"$pts\" in '') set -- setsid -w \"$@\" ;; *[!0-9]*) exit 111 ;; "
                + "*) exec 0<>\"/dev/pts/$pts\" 1>&0 2>&0; set -- setsid -w -c \"$@\" ;; esac";
    }

    /** The line the launcher writes to let the command run: on a pty of the sandbox's devpts, or on its pipes. */
    static String go(java.util.OptionalInt pts) {
        return pts.isPresent() ? GO + " " + pts.getAsInt() + "\n" : GO + "\n";
    }

    /** The command wrapped in the handshake (for a tool that has already set up the sandbox). */
    static List<String> prelude(List<String> command) {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", handshake() + "; exec \"$@\"", "bottle-agent"));
        argv.addAll(command);
        return argv;
    }

    /** Runs {@code argv} with the gate FIFO on fd 3 and the ready FIFO on fd 4. */
    static List<String> withHandshakeFds(String gateFifo, String readyFifo, List<String> argv) {
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c",
                "g=$1; r=$2; shift 2; exec \"$@\" 3<\"$g\" 4>\"$r\"", "bottle-launch", gateFifo, readyFifo));
        wrapped.addAll(argv);
        return wrapped;
    }
}
