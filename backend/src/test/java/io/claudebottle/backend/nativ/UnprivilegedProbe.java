package io.claudebottle.backend.nativ;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Run by {@link UnprivilegedSandboxTest} in a JVM of its own as an unprivileged user: launches a
 * sandbox, binds a listener inside it, serves one echo and reports what happened, one
 * {@code key=value} line each. Uses only the JDK and the main classes (the test's dependencies
 * may not be readable by that user).
 */
public final class UnprivilegedProbe {

    private UnprivilegedProbe() {
    }

    public static void main(String[] args) throws Exception {
        SandboxTool tool = SandboxTool.valueOf(args[0]);
        int port = 3128;
        Path work = Files.createTempDirectory("bottle-probe-");
        System.out.println("euid=" + Libc.geteuid());
        Sandbox sandbox = NamespaceSandbox.launch(SandboxSpec.of(List.of("/bin/bash", "-c",
                "id -u; grep CapEff /proc/self/status; exec 3<>/dev/tcp/127.0.0.1/" + port
                        + " && echo ping >&3 && read -r r <&3 && echo reply=$r"), work, "/home/agent"), tool);
        try {
            try {
                NetnsListeners.bindBySetns(sandbox.pid(), List.of(port)).forEach(UnprivilegedProbe::close);
                System.out.println("setns=allowed");
            } catch (SandboxException e) {
                System.out.println("setns=" + e.getMessage());
            }
            System.out.println("method=" + NetnsListeners.method());
            ServerSocketChannel listener = NetnsListeners.bind(sandbox, port);
            Thread echo = Thread.ofPlatform().start(() -> {
                try (SocketChannel c = listener.accept()) {
                    ByteBuffer line = ByteBuffer.allocate(64);
                    c.read(line);
                    line.flip();
                    c.write(ByteBuffer.wrap(("echo:" + StandardCharsets.US_ASCII.decode(line)).getBytes(StandardCharsets.US_ASCII)));
                } catch (IOException e) {
                    System.out.println("echo-failed=" + e);
                }
            });
            sandbox.startCommand();
            String out = new String(sandbox.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(sandbox.process().getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            out.lines().forEach(line -> System.out.println("sandbox: " + line));
            err.lines().forEach(line -> System.out.println("sandbox-err: " + line));
            System.out.println("exit=" + sandbox.waitFor(Duration.ofSeconds(20)));
            echo.join(5000);
            listener.close();
            long pid = sandbox.pid();
            sandbox.close();
            System.out.println("running-after-close=" + Sandbox.running(pid));
        } finally {
            sandbox.close();
            Files.deleteIfExists(work);
        }
    }

    private static void close(ServerSocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // only probing
        }
    }
}
