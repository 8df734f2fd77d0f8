package io.claudebottle.cli.matrix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the host shows: every process's argv, mounts, and the output of host commands (docker, iptables, ss). */
final class HostView {

    private HostView() {
    }

    /** {@code pid: argv} of every process on the host, NULs as spaces. */
    static List<String> commandLines() {
        List<String> out = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    byte[] argv = Files.readAllBytes(p.resolve("cmdline"));
                    out.add(p.getFileName() + ": " + new String(argv, StandardCharsets.UTF_8).replace('\0', ' '));
                } catch (IOException ended) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
        }
        return out;
    }

    /** The environment of one host process (needs the same uid or root), or empty when it is gone. */
    static String environ(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8)
                    .replace('\0', '\n');
        } catch (IOException gone) {
            return "";
        }
    }

    static List<String> mounts() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/mountinfo: " + e.getMessage(), e);
        }
    }

    /** Runs a host command and returns its stdout and stderr; fails the test if it does not end within a minute. */
    static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not end within 60 s");
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The TCP ports process {@code pid} listens on (from {@code ss}, iproute2), as {@code ip:port}. */
    static List<String> listening(long pid) {
        List<String> out = new ArrayList<>();
        for (String line : run("ss", "-H", "-l", "-t", "-n", "-p").lines().toList()) {
            if (line.contains("pid=" + pid + ",")) {
                String[] f = line.trim().split("\\s+");
                out.add(f[3]);
            }
        }
        return out;
    }

    /** Which of {@code targets} (label → {@code ip:port}) accept a TCP connection from the host; {@code $gw} ones are skipped. */
    /** Waits until every target accepts a connection from the host, at most {@code timeout}; then returns. */
    static void awaitConnectable(java.util.Map<String, String> targets, java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (connectable(targets).containsValue(false) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static java.util.Map<String, Boolean> connectable(java.util.Map<String, String> targets) {
        java.util.Map<String, Boolean> out = new java.util.LinkedHashMap<>();
        targets.forEach((label, target) -> {
            if (target.startsWith("$")) {
                return;
            }
            int colon = target.lastIndexOf(':');
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))), 2000);
                out.put(label, true);
            } catch (IOException e) {
                out.put(label, false);
            }
        });
        return out;
    }

    /**
     * The host's IPv4 addresses on its physical-style interfaces ({@code eth*}, {@code en*}): interface →
     * address. (Bridges of other tests' networks are left alone.)
     */
    static java.util.Map<String, String> ipv4Addresses() {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        try {
            for (var nic : java.net.NetworkInterface.networkInterfaces().toList()) {
                if (nic.isUp() && !nic.isLoopback() && (nic.getName().startsWith("eth") || nic.getName().startsWith("en"))) {
                    nic.inetAddresses().filter(a -> a instanceof java.net.Inet4Address).findFirst()
                            .ifPresent(a -> out.put(nic.getName(), a.getHostAddress()));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list network interfaces: " + e.getMessage(), e);
        }
        return out;
    }
}
