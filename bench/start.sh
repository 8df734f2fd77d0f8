#!/usr/bin/env bash
# Benchmark of the Docker backend (not part of the test suite). Prints, in one run:
#   - `bottle start --yes` to the agent command running (warm images) vs a bare `docker run` of the
#     same image (targets: <= 2 s and <= 3x bare);
#   - teardown: agent command done -> launcher exited with everything removed;
#   - sidecar RSS idle and under load (target: <= 96 MB idle);
#   - how many idle bottles fit in 8 GB (sidecar + agent memory use);
#   - where a start's time goes: CLI JVM + preflight, networks, sidecar JVM to healthy, agent.
# On a shared or loaded machine the absolute figures are pessimistic; the ratio to the bare
# `docker run` measured in the same run is the fairer figure (the load average is printed).
# Needs root and a running dockerd (./scripts/test starts one). Uses a throwaway CLAUDE_BOTTLE_HOME.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
[ "$(id -u)" -eq 0 ] || { echo "start.sh: run as root (the bottle firewall rule needs it)" >&2; exit 2; }
docker info >/dev/null 2>&1 || { echo "start.sh: no Docker engine; start dockerd first" >&2; exit 2; }
export BOTTLE_TARGET="${BOTTLE_TARGET:-target-bench}"
runs="${RUNS:-5}"

home="$(mktemp -d)"; trap 'rm -rf "$home"' EXIT
mkdir -p "$home/bottles" "$home/agents"
printf -- '---\negress:\n  allowlist: []\n---\nBenchmark bottle.\n' > "$home/bottles/bench.md"
printf -- '---\nbottle: bench\n---\nBenchmark agent.\n' > "$home/agents/bench.md"
export CLAUDE_BOTTLE_HOME="$home"

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

echo "bench: building the CLI and the images (once)..." >&2
# BENCH_JAR_AS_IS=1 benchmarks the jar already in cli/$BOTTLE_TARGET (a tree others edit would rebuild it).
if [ "${BENCH_JAR_AS_IS:-}" != 1 ] || [ ! -f "cli/$BOTTLE_TARGET/bottle.jar" ]; then ./bottle images build >/dev/null; fi
# Time the built jar itself: ./bottle would rebuild it whenever a source in the tree changes.
source scripts/env.sh
require_jdk25
jar="cli/$BOTTLE_TARGET/bottle.jar"
aot=()
if type aot_flags >/dev/null 2>&1; then # the launcher's start-up cache, as ./bottle uses it
  ensure_aot_cache "$jar" || true
  mapfile -t aot < <(aot_flags "$jar")
fi
bottle() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED "${aot[@]}" -jar "$jar" "$@"; }
bottle images build >/dev/null
stamp() { while IFS= read -r line; do printf '%s %s\n' "$(date +%s%3N)" "$line"; done; }
agent_image="$(docker images --format '{{.Repository}}:{{.Tag}}' claude-bottle-agent | head -1)"

# Both sides use the same OCI runtime: gVisor when registered (RUNTIME=runc|runsc overrides).
rt="${RUNTIME:-$(docker info --format '{{json .Runtimes}}' | grep -q '"runsc"' && echo runsc || echo runc)}"
start_ms=(); bare_ms=(); teardown_ms=(); jvm_ms=(); net_ms=(); side_ms=(); agent_ms=()
phases="$(mktemp)"
for _ in $(seq "$runs"); do
  t0=$(now_ms)
  out="$(bottle start --yes --runtime "$rt" --command 'date +%s%3N' bench 2> >(stamp > "$phases") | tr -d '\r' | grep -E '^[0-9]{13}$' | tail -1)"
  t2=$(now_ms)
  sleep 0.2 # the stderr time-stamper finishes
  start_ms+=($((out - t0))); teardown_ms+=($((t2 - out)))
  at() { grep -m1 -F "$1" "$phases" | cut -d' ' -f1; }
  tn=$(at ': networks'); ts=$(at ': sidecar ('); th=$(at ': sidecar healthy')
  if [ -n "$tn" ] && [ -n "$ts" ] && [ -n "$th" ]; then
    jvm_ms+=($((tn - t0))); net_ms+=($((ts - tn))); side_ms+=($((th - ts))); agent_ms+=($((out - th)))
  fi
  t0=$(now_ms)
  out="$(docker run --rm --runtime "$rt" --network none --entrypoint date "$agent_image" +%s%3N)"
  bare_ms+=($((out - t0)))
done
s=$(printf '%s\n' "${start_ms[@]}" | median); b=$(printf '%s\n' "${bare_ms[@]}" | median)
d=$(printf '%s\n' "${teardown_ms[@]}" | median)
echo "start to agent command (median of $runs): bottle start ${s} ms, bare docker run ${b} ms, ratio $(awk -v s="$s" -v b="$b" 'BEGIN {printf "%.1f", s/b}')x"
echo "teardown (median): ${d} ms"
if [ ${#jvm_ms[@]} -gt 0 ]; then
  echo "start phases (median): CLI JVM + preflight $(printf '%s\n' "${jvm_ms[@]}" | median) ms," \
       "networks + firewall $(printf '%s\n' "${net_ms[@]}" | median) ms," \
       "sidecar created to healthy $(printf '%s\n' "${side_ms[@]}" | median) ms," \
       "agent created to its command running $(printf '%s\n' "${agent_ms[@]}" | median) ms"
fi
echo "runtime: $rt (bottle and bare run); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
rm -f "$phases"

mem_mb() { # resident memory of a container in MB (cgroup usage minus page cache)
  docker stats --no-stream --format '{{.MemUsage}}' "$1" | awk '{v=$1; u=v; gsub(/[0-9.]/,"",u); gsub(/[A-Za-z]/,"",v); m=(u=="GiB"?v*1024:(u=="KiB"?v/1024:v)); printf "%.0f", m}'
}
bottle start --yes --runtime "$rt" --command 'sleep 25; for i in $(seq 300); do curl -s -o /dev/null -x http://egress:3128 http://denied.invalid/; done; sleep 5' bench >/dev/null 2>&1 &
launcher=$!
id=""
for _ in $(seq 120); do
  id="$(docker ps --filter label=io.claudebottle.role=agent --format '{{.Label "io.claudebottle.bottle-id"}}' | head -1)"
  [ -n "$id" ] && break
  sleep 0.5
done
[ -n "$id" ] || { echo "start.sh: the bottle did not come up" >&2; exit 1; }
sleep 5
idle=$(mem_mb "$id-sidecar"); agent=$(mem_mb "$id-agent")
sleep 20
load=$(mem_mb "$id-sidecar")
wait "$launcher" || true
echo "sidecar RSS: idle ${idle} MB, under load (300 denied requests) ${load} MB; idle agent ${agent} MB"
echo "idle bottles per 8 GB: $(( 8192 / (idle + agent + 1) ))"
