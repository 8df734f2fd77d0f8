#!/usr/bin/env bash
# Benchmark (not part of the test suite): `bottle start --yes` to the agent command running, for the
# native backend, the Docker backend (when a Docker engine answers) and a bare `bwrap true`, in one
# run (issue target: native <= 500 ms including the sidecar, and >= 4x faster than Docker).
# Uses a throwaway CLAUDE_BOTTLE_HOME; run from a directory the sandbox may bind (not $HOME itself).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
export BOTTLE_TARGET="${BOTTLE_TARGET:-target-bench}"
runs="${RUNS:-5}"

home="$(mktemp -d)"; work="$(mktemp -d)"; trap 'rm -rf "$home" "$work"' EXIT
mkdir -p "$home/bottles" "$home/agents"
printf -- '---\negress:\n  allowlist: []\n---\nBenchmark bottle.\n' > "$home/bottles/bench.md"
printf -- '---\nbottle: bench\n---\nBenchmark agent.\n' > "$home/agents/bench.md"
export CLAUDE_BOTTLE_HOME="$home"

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

./bottle --help >/dev/null # builds the CLI jar once if needed
source scripts/env.sh
require_jdk25
bottle() { (cd "$work" && "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$OLDPWD/cli/$BOTTLE_TARGET/bottle.jar" "$@"); }

time_start() { # time_start BACKEND: median ms from launch to the agent command's first output
  local all=() t0 out
  for _ in $(seq "$runs"); do
    t0=$(now_ms)
    out="$(bottle start --yes --backend "$1" --command 'date +%s%3N' bench 2>/dev/null | tr -d '\r' | grep -E '^[0-9]{13}$' | tail -1)"
    [ -n "$out" ] || { echo "native-start.sh: the $1 bottle did not run its command" >&2; return 1; }
    all+=($((out - t0)))
  done
  printf '%s\n' "${all[@]}" | median
}

n=$(time_start native)
echo "bottle start --yes --backend native: ${n} ms (median of $runs)"
if command -v bwrap >/dev/null; then
  all=()
  for _ in $(seq "$runs"); do t0=$(now_ms); bwrap --ro-bind / / true; all+=($(( $(now_ms) - t0 ))); done
  echo "bare bwrap true: $(printf '%s\n' "${all[@]}" | median) ms"
fi
if docker info >/dev/null 2>&1; then
  d=$(time_start docker)
  echo "bottle start --yes --backend docker: ${d} ms; native is $(awk -v d="$d" -v n="$n" 'BEGIN {printf "%.1f", d/n}')x faster"
else
  echo "docker: no engine answers; not measured"
fi
