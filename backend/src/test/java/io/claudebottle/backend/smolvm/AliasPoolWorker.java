package io.claudebottle.backend.smolvm;

import static io.claudebottle.backend.smolvm.LoopbackAliasPoolTest.NO_LEFTOVERS;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A separate launcher process for {@link LoopbackAliasPoolTest}: says {@code ready}, waits for a
 * {@code go} line on stdin (so that all workers race), reserves {@code count} aliases from the pool
 * in {@code dir}, prints one line per alias, then holds them until stdin closes.
 */
public final class AliasPoolWorker {

    private AliasPoolWorker() { }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        String name = args[1];
        int count = Integer.parseInt(args[2]);
        LoopbackAliasPool pool = new LoopbackAliasPool(dir, LoopbackInterface.alreadyLocal(), ProcessHandle.current());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("ready");
        System.out.flush();
        if (!"go".equals(in.readLine())) {
            return;
        }
        for (int i = 0; i < count; i++) {
            try {
                System.out.println("reserved " + pool.reserve(name + "-" + i, NO_LEFTOVERS).alias());
            } catch (SmolvmException e) {
                System.out.println("exhausted");
            }
        }
        System.out.println("holding");
        System.out.flush();
        while (in.readLine() != null) {
            // hold the reservations until the test closes our stdin (or kills us)
        }
    }
}
