#!/usr/bin/env bash
# Benchmark (not part of the test suite): `bottle start --yes` to the agent command running, in one
# run: the native backend with the CLI's AOT cache (what ./bottle runs) and without it, a bare
# `bwrap true`, and the Docker backend when a Docker engine answers; with ratios, and the phases of
# one native start (each progress line stamped with the ms since launch). The agent runs while the
# sidecar services finish starting, so it also times the agent's first request answered by them.
# Issue target: native <= 500 ms including the sidecar, and >= 4x faster than Docker.
# Figures taken while other work loads the machine are pessimistic: compare the ratios.
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
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a/b}'; }

./bottle --help >/dev/null # builds the CLI jar and its AOT cache once if needed
source scripts/env.sh
require_jdk25
jar="$PWD/cli/$BOTTLE_TARGET/bottle.jar"
mapfile -t aot < <(aot_flags "$jar")
mapfile -t launcher < <(launcher_opts)
[ "${#aot[@]}" -gt 0 ] || echo "native-start.sh: no AOT cache for $jar; both native figures are without one" >&2
# the jar itself, not ./bottle: that would rebuild whenever a source in the tree changes
bottle() { # leading -D/-X arguments are java options
  local opts=(); while [[ "${1:-}" == -[DX]* ]]; do opts+=("$1"); shift; done
  (cd "$work" && "$JAVA_HOME/bin/java" "${launcher[@]}" "${aot[@]}" "${opts[@]}" -jar "$jar" "$@")
}
bottle_cold() { (cd "$work" && "$JAVA_HOME/bin/java" "${launcher[@]}" -jar "$jar" "$@"); }

# The agent's first request answered by the sidecar: a denied one through its own proxy (the egress
# proxy refuses the name without resolving it, so nothing leaves the machine).
FIRST_REQUEST='curl -s -o /dev/null -x "$HTTPS_PROXY" http://denied.invalid/; date +%s%3N'
time_start() { # time_start LAUNCHER BACKEND [COMMAND]: median ms from launch to COMMAND's output (default: the agent command running)
  local all=() t0 out
  for _ in $(seq "$runs"); do
    t0=$(now_ms)
    out="$("$1" start --yes --backend "$2" --command "${3:-date +%s%3N}" bench 2>/dev/null | tr -d '\r' | grep -E '^[0-9]{13}$' | tail -1)"
    [ -n "$out" ] || { echo "native-start.sh: the $2 bottle did not run its command" >&2; return 1; }
    all+=($((out - t0)))
  done
  printf '%s\n' "${all[@]}" | median
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "phases of one native start (ms since launch; \`trace\` lines: -Dbottle.trace=start, with this JVM's CPU ms so far, per thread at the end):"
t0=$(now_ms)
bottle -Dbottle.trace=start "-Dbottle.trace.t0=$t0" "-Xlog:class+load=info:file=$home/classes.log" \
    start --yes --backend native --command 'date +%s%3N' bench 2>&1 | while IFS= read -r line; do
  line="${line%$'\r'}" # no `tr` here: it would buffer the lines and spoil the stamps
  if [[ "$line" =~ ^[0-9]{13}$ ]]; then line="agent command running"; fi
  printf '  %5d  %s\n' "$(( $(now_ms) - t0 ))" "$line"
done
echo "classes loaded: $(wc -l < "$home/classes.log"), of them from the AOT cache: $(grep -c 'shared objects file' "$home/classes.log" || true)"

n=$(time_start bottle native)
echo "bottle start --yes --backend native: ${n} ms (median of $runs)"
# The agent runs while the sidecar services still start (its connections wait for them): how long
# until its first request is answered, as a user's agent would see it.
f=$(time_start bottle native "$FIRST_REQUEST")
echo "  to the agent's first request answered by the sidecar (a denied one): ${f} ms"
c=$(time_start bottle_cold native)
echo "  the same without the AOT cache: ${c} ms ($(ratio "$c" "$n")x slower)"
if command -v bwrap >/dev/null; then
  all=()
  for _ in $(seq "$runs"); do t0=$(now_ms); bwrap --ro-bind / / true; all+=($(( $(now_ms) - t0 ))); done
  b=$(printf '%s\n' "${all[@]}" | median)
  echo "bare bwrap true: ${b} ms (native start is $(ratio "$n" "$b")x that)"
fi
if docker info >/dev/null 2>&1; then
  if d=$(time_start bottle docker); then
    echo "bottle start --yes --backend docker: ${d} ms; native is $(ratio "$d" "$n")x faster"
    df=$(time_start bottle docker "$FIRST_REQUEST")
    echo "  to the first request answered: docker ${df} ms, native ${f} ms ($(ratio "$df" "$f")x)"
  else
    echo "docker: an engine answers, but the docker bottle did not start (images? \`bottle start --backend docker\` says why); not measured"
  fi
else
  echo "docker: no engine answers; not measured"
fi
