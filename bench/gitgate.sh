#!/usr/bin/env bash
# Benchmark of the git-gate (not part of the test suite): the real git CLI pushes a 50 MB,
# 1,000-commit history, then 1-commit pushes, to one loopback SSH upstream server (MINA sshd running
# the real git receive-pack), directly and through the gate, and prints the times and ratios
# (targets: <= 1.5x direct; <= 300 ms over direct), the CPU time each large push cost the machine
# (load-independent, unlike wall time on a shared machine) and the JIT compiler's part of it, the
# gate's receive / scan / forward split against the direct push, and the DLP engine's share (the pushed
# blobs through the scanner alone). Large pushes run in 4 pairs in one JVM (the first cold), each pair to
# fresh upstream repositories, alternating which side goes first; compare ratios within a pair.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
command -v git >/dev/null && command -v ssh >/dev/null || { echo "gitgate.sh: needs git and ssh (openssh-client)" >&2; exit 2; }
exec ./mvnw -B -q -Dbottle.target="${BOTTLE_TARGET:-target-bench}" -pl gitgate -am test \
    -Dtest=GitGateBench -Dsurefire.failIfNoSpecifiedTests=false -Dbottle.bench=true "$@"
