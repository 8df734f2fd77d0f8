#!/usr/bin/env bash
# Benchmark of the native sandbox layer (not part of the test suite): time from the launcher's call
# to the agent command running, for bwrap and the unshare fallback (with and without binding three
# listeners inside the sandbox's network namespace), against a bare `bwrap --ro-bind / / true`, and a whole
# native bottle (NativeBackend.start: sidecar services up in the same JVM, sandbox, relay) to the agent command running.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
command -v bwrap >/dev/null || echo "native.sh: bwrap is not installed (apt-get install bubblewrap); measuring unshare only" >&2
exec ./mvnw -B -q -Dbottle.target="${BOTTLE_TARGET:-target-bench}" -pl backend -am test \
    -Dtest=NativeSandboxBench -Dsurefire.failIfNoSpecifiedTests=false -Dbottle.bench=true "$@"
