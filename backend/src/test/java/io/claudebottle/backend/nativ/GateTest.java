package io.claudebottle.backend.nativ;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The handshake runs the command only after an explicit "go", never on EOF (a dead launcher). */
class GateTest {

    private static String runHandshake(String gateInput) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-c",
                "exec 4>/dev/null 3<&0; " + Gate.handshake() + "; echo RAN; [ -e /proc/$$/fd/3 ] && echo FD3;"
                        + " [ -e /proc/$$/fd/4 ] && echo FD4; true").start();
        p.getOutputStream().write(gateInput.getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() + ":" + out;
    }

    @Test
    void goRunsTheCommandWithBothHandshakeFdsClosed() throws Exception {
        String result = runHandshake("go\n");
        assertThat(result).isEqualTo("0:RAN\n");
    }

    @Test
    void eofOrAnythingElseNeverRunsTheCommand() throws Exception {
        assertThat(runHandshake("")).isEqualTo("111:");
        assertThat(runHandshake("gone\n")).isEqualTo("111:");
    }

    @Test
    void aPtyNumberMustBeJustDigits() throws Exception {
        // the number becomes part of a path: nothing else may get through
        assertThat(runHandshake("go ../../etc/passwd\n")).isEqualTo("111:");
        assertThat(runHandshake("go 0 1\n")).isEqualTo("111:");
        assertThat(runHandshake("go 0x1\n")).isEqualTo("111:");
    }

    @Test
    void preludeKeepsTheCommandWordsIntact() {
        assertThat(Gate.prelude(List.of("printf", "%s|", "a b", "$HOME"))).endsWith("bottle-agent", "printf", "%s|", "a b", "$HOME");
    }
}
