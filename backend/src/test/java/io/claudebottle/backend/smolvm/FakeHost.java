package io.claudebottle.backend.smolvm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Fake {@code smolvm}, {@code docker}, {@code ifconfig} and {@code sudo} scripts on a temporary
 * PATH. Each records its argv (one line per call, arguments separated by tabs) and emulates what
 * the real one does to the host: smolvm writes its state DB the way 0.8.0 does (a create with
 * {@code --from} stores {@code "allowed_cidrs": null}, whatever {@code --allow-cidr} said) and
 * records the allowlist each machine boots with, read from the DB at start like the real one.
 */
final class FakeHost {

    final Path root;
    final Path bin;
    final Path log;
    final Path boots;
    final Path db;

    FakeHost(Path root, Path db) throws IOException {
        this.root = root;
        this.bin = Files.createDirectories(root.resolve("bin"));
        this.log = root.resolve("calls.log");
        this.boots = root.resolve("boots.log");
        this.db = db;
        Files.createDirectories(root.resolve("vm"));
        Files.createFile(log);
        Files.createFile(boots);
        script("smolvm", SMOLVM.replace("@ROOT@", root.toString()).replace("@DB@", db.toString()));
        script("docker", """
                #!/usr/bin/env bash
                printf 'docker' >> "@ROOT@/calls.log"; printf '\\t%s' "$@" >> "@ROOT@/calls.log"; echo >> "@ROOT@/calls.log"
                case "$1 $2" in
                  "image inspect") echo "sha256:0123456789abcdef0123456789abcdef" ;;
                  "save "*) printf 'fake image archive' > "$3" ;;
                  *) echo "fake docker: unexpected $*" >&2; exit 2 ;;
                esac
                """.replace("@ROOT@", root.toString()));
        script("ifconfig", """
                #!/usr/bin/env bash
                printf 'ifconfig' >> "@ROOT@/calls.log"; printf '\\t%s' "$@" >> "@ROOT@/calls.log"; echo >> "@ROOT@/calls.log"
                touch "@ROOT@/lo0"
                if [ "$#" -eq 1 ] && [ "$1" = lo0 ]; then
                  printf 'lo0: flags=8049<UP,LOOPBACK,RUNNING,MULTICAST> mtu 16384\\n\\tinet 127.0.0.1 netmask 0xff000000\\n'
                  while read -r a; do printf '\\tinet %s netmask 0xff000000\\n' "$a"; done < "@ROOT@/lo0"
                  exit 0
                fi
                if [ "$1 $2" = "lo0 alias" ]; then
                  [ "${FAKE_SUDO:-}" = 1 ] || { echo "ifconfig: ioctl (SIOCAIFADDR): permission denied" >&2; exit 1; }
                  echo "$3" >> "@ROOT@/lo0"; exit 0
                fi
                exit 2
                """.replace("@ROOT@", root.toString()));
        script("sudo", """
                #!/usr/bin/env bash
                printf 'sudo' >> "@ROOT@/calls.log"; printf '\\t%s' "$@" >> "@ROOT@/calls.log"; echo >> "@ROOT@/calls.log"
                [ -e "@ROOT@/sudo-refuses" ] && { echo "sudo: 3 incorrect password attempts" >&2; exit 1; }
                FAKE_SUDO=1 exec "$@"
                """.replace("@ROOT@", root.toString()));
    }

    private static final String SMOLVM = """
            #!/usr/bin/env bash
            # Fake smolvm 0.8: records its argv and emulates its state-DB writes.
            set -u
            printf 'smolvm' >> "@ROOT@/calls.log"; printf '\\t%s' "$@" >> "@ROOT@/calls.log"; echo >> "@ROOT@/calls.log"
            db="@DB@"
            sql() { sqlite3 -bail -cmd ".timeout 10000" "$db" "$@"; }
            case "$1 $2" in
              "machine create")
                name="$3"; shift 3
                while [ "$#" -gt 0 ]; do shift; done
                [ -e "@ROOT@/create-writes-elsewhere" ] && name="$name-typo"
                [ -n "$(sql "SELECT 1 FROM vms WHERE name='$name'")" ] && { echo "Error: machine '$name' already exists" >&2; exit 1; }
                # 0.8.0 drops --allow-cidr together with --from: the row says null.
                sql "INSERT INTO vms (name, data) VALUES ('$name', CAST('{\\"name\\":\\"$name\\",\\"state\\":\\"created\\",\\"cpus\\":4,\\"mem\\":8192,\\"network\\":true,\\"allowed_cidrs\\":null,\\"source_smolmachine\\":\\"x\\"}' AS BLOB))"
                echo "Created machine: $name" ;;
              "machine start")
                name="$4"
                [ -e "@ROOT@/start-fails" ] && { echo "Error: failed to boot VM: hypervisor unavailable" >&2; exit 1; }
                [ "$(sql "SELECT typeof(data) FROM vms WHERE name='$name'")" = blob ] || { echo "Error: failed to load machine '$name'" >&2; exit 1; }
                echo "$name $(sql "SELECT json_extract(CAST(data AS TEXT), '$.allowed_cidrs') FROM vms WHERE name='$name'")" >> "@ROOT@/boots.log"
                echo "Started machine: $name" ;;
              "machine exec")
                name="$4"; shift 4
                envs=()
                while [ "$1" != "--" ]; do
                  case "$1" in -e) envs+=("$2"); shift 2 ;; *) shift ;; esac
                done
                shift
                if [ "$1 $2" = "sh -c" ] && [ "$#" -eq 5 ] && [ "$4" = sh ]; then
                  mkdir -p "$(dirname "@ROOT@/vm/$name$5")"; cat > "@ROOT@/vm/$name$5"; exit 0
                fi
                # Stands in for the agent: runs on the host with only the env smolvm was given.
                exec env -i PATH=/usr/bin:/bin "${envs[@]}" "$@" ;;
              "machine stop") echo "Stopped machine: $4" ;;
              "machine delete")
                [ -e "@ROOT@/delete-fails" ] && { echo "Error: machine '$3' is busy" >&2; exit 1; }
                [ -n "$(sql "SELECT 1 FROM vms WHERE name='$3'")" ] || { echo "Error: machine '$3' not found" >&2; exit 1; }
                sql "DELETE FROM vms WHERE name='$3'"; echo "Deleted machine: $3" ;;
              "machine ls")
                sql "SELECT json_group_array(json_object('name', name, 'state', json_extract(CAST(data AS TEXT), '$.state'))) FROM vms" ;;
              "pack create")
                printf 'fake smolmachine from %s' "$4" > "$6.smolmachine" ;;
              *) echo "fake smolvm: unexpected $*" >&2; exit 2 ;;
            esac
            """;

    private void script(String name, String text) throws IOException {
        Path file = bin.resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A runner whose PATH finds these fakes first and the system's tools after. */
    ProcessRunner runner() {
        return new ProcessRunner(Map.of("PATH", bin + ":/usr/local/bin:/usr/bin:/bin"));
    }

    /** A runner that finds none of the fakes, nor any smolvm. */
    static ProcessRunner runnerWithout(Path emptyDir) {
        return new ProcessRunner(Map.of("PATH", emptyDir.toString()));
    }

    /** Every recorded call, as argv lists. */
    List<List<String>> calls() throws IOException {
        List<List<String>> out = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (!line.isEmpty()) {
                out.add(Arrays.asList(line.split("\t", -1)));
            }
        }
        return out;
    }

    List<List<String>> calls(String executable) throws IOException {
        return calls().stream().filter(c -> c.getFirst().equals(executable)).toList();
    }

    /** "machine-name allowlist-json" for every start. */
    List<String> boots() throws IOException {
        return Files.readAllLines(boots, StandardCharsets.UTF_8);
    }

    void flag(String name) throws IOException {
        Files.writeString(root.resolve(name), "");
    }

    static boolean sqlite3Available() {
        return new ProcessRunner(System.getenv()).which("sqlite3").isPresent();
    }
}
