#!/usr/bin/env bash
# Benchmark of the Docker backend (not part of the test suite). Prints, in one run, per OCI runtime
# (runc, and runsc when Docker has gVisor registered; RUNTIMES="runc runsc" overrides):
#   - `bottle start --yes` to the agent command running (warm images) vs a bare `docker run` of the
#     same image under the same runtime (targets: <= 2 s and <= 3x bare);
#   - teardown: agent command done -> launcher exited with everything removed;
#   - where a start's time goes, from the launcher's and the sidecar's trace marks
#     (-Dbottle.trace=start, one clock): CLI JVM boot, manifests + preflight + images, networks and
#     firewall rule, sidecar create/start, agent create/start (the agent's path); and, alongside it,
#     when the sidecar's JVM reached main, minted its CA, had its DLP engine (Hyperscan database from
#     the image's cache), bound its services and had its health seen;
#   - sidecar RSS idle and under load (target: <= 96 MB idle), and how many idle bottles fit in 8 GB.
# BASELINE_JAR=/path/to/other/bottle.jar runs an older build alternately in the same run, each build
# first in every other round (its own images, built first if missing), and prints its figures next to
# these: before/after on the same load. On a shared or loaded machine the absolute figures are
# pessimistic; the ratio to the bare `docker run` measured in the same run is the fairer figure (the
# load average is printed).
# Needs root and a running dockerd (./scripts/test starts one). Uses a throwaway CLAUDE_BOTTLE_HOME.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
[ "$(id -u)" -eq 0 ] || { echo "start.sh: run as root (the bottle firewall rule needs it)" >&2; exit 2; }
docker info >/dev/null 2>&1 || { echo "start.sh: no Docker engine; start dockerd first" >&2; exit 2; }
export BOTTLE_TARGET="${BOTTLE_TARGET:-target-bench}"
runs="${RUNS:-5}"

home="$(mktemp -d)"; work="$(mktemp -d)"; trap 'rm -rf "$home" "$work"' EXIT
mkdir -p "$home/bottles" "$home/agents"
printf -- '---\negress:\n  allowlist: []\n---\nBenchmark bottle.\n' > "$home/bottles/bench.md"
printf -- '---\nbottle: bench\n---\nBenchmark agent.\n' > "$home/agents/bench.md"
export CLAUDE_BOTTLE_HOME="$home"

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

echo "bench: building the CLI and the images (once)..." >&2
# BENCH_JAR_AS_IS=1 benchmarks the jar already in cli/$BOTTLE_TARGET (a tree others edit would rebuild it).
if [ "${BENCH_JAR_AS_IS:-}" != 1 ] || [ ! -f "cli/$BOTTLE_TARGET/bottle.jar" ]; then ./bottle images build >/dev/null; fi
# Time the built jar itself: ./bottle would rebuild it whenever a source in the tree changes.
source scripts/env.sh
require_jdk25
jars=("cli/$BOTTLE_TARGET/bottle.jar"); names=(now)
if [ -n "${BASELINE_JAR:-}" ]; then jars+=("$BASELINE_JAR"); names+=(baseline); fi
declare -A aot
for j in "${jars[@]}"; do
  aot[$j]=""
  if type aot_flags >/dev/null 2>&1; then # the launcher's start-up cache, as ./bottle uses it
    ensure_aot_cache "$j" || true
    aot[$j]="$(aot_flags "$j" | tr '\n' ' ')"
  fi
done
bottle_with() { local j="$1"; shift; # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" $(launcher_opts) ${aot[$j]} "$@"; }
for j in "${jars[@]}"; do bottle_with "$j" -jar "$j" images build >/dev/null; done
agent_image="$(docker images --format '{{.Repository}}:{{.Tag}}' claude-bottle-agent | awk 'NR == 1')" # not head: pipefail and an early-closed pipe

registered="$(docker info --format '{{json .Runtimes}}')"
runtimes="${RUNTIMES:-runc$(grep -q '"runsc"' <<<"$registered" && echo ' runsc')}"

mem_mb() { # resident memory of a container in MB (cgroup usage minus page cache)
  docker stats --no-stream --format '{{.MemUsage}}' "$1" | awk '{v=$1; u=v; gsub(/[0-9.]/,"",u); gsub(/[A-Za-z]/,"",v); m=(u=="GiB"?v*1024:(u=="KiB"?v/1024:v)); printf "%.0f", m}'
}

# Phases from the trace marks ("trace <ms since t0> ms  cpu <ms> ms  <phase>"), in the order they happen.
# The agent's path: the launcher creates and starts the agent right after the sidecar container
# (the agent's entrypoint waits for the sidecar's services and takes the CA from supervise). A build
# before that waited for the sidecar to announce its CA first: that wait shows as "CA seen".
phase_keys=("cli: main" "cli: command line parsed" "docker: start" "docker: networks" "docker: sidecar created"
            "docker: sidecar started" "docker: CA received" "docker: agent created")
phase_names=("CLI JVM boot" "CLI parse" "manifests+preflight+images" "networks+firewall" "sidecar create"
             "sidecar connect+start" "CA seen (older builds)" "agent create")
# The sidecar's own path, alongside the agent's start: when (ms since launch) each step was done.
side_keys=("sidecar: main" "sidecar: CA minted" "sidecar: DLP engine built" "sidecar: supervise bound" "docker: sidecar healthy")
side_names=("sidecar JVM at main" "CA minted" "DLP engine built" "services bound" "health seen by the launcher")

for rt in $runtimes; do
  declare -A start_ms=() bare_ms=() teardown_ms=() phase=()
  for round in $(seq "$runs"); do
    # Each build goes first in every other round: the first start after a teardown measured
    # ≈ 70 ms slower (8 traced starts each way), which would otherwise always fall on the same build.
    order=("${!jars[@]}"); if (( round % 2 == 0 )); then mapfile -t order < <(printf '%s\n' "${order[@]}" | tac); fi
    for k in "${order[@]}"; do
      j="${jars[$k]}"; n="${names[$k]}"
      log="$work/start.log"
      t0=$(now_ms)
      out="$(bottle_with "$j" -Dbottle.trace=start "-Dbottle.trace.t0=$t0" -jar "$j" start --yes --runtime "$rt" \
              --command 'date +%s%3N' bench 2> >(while IFS= read -r l; do printf '%s %s\n' "$(date +%s%3N)" "$l"; done > "$log") \
             | tr -d '\r' | grep -E '^[0-9]{13}$' | tail -1)"
      t2=$(now_ms)
      sleep 0.3 # the stderr time-stamper finishes
      start_ms[$n]+="$((out - t0)) "; teardown_ms[$n]+="$((t2 - out)) "
      prev=0
      for i in "${!phase_keys[@]}"; do
        at="$(grep -m1 -F "  ${phase_keys[$i]}" "$log" | awk '{print $3}' || true)" # a mark an older build lacks
        if [ -n "$at" ]; then phase[$n,$i]+="$((at - prev)) "; prev=$at; fi
      done
      [ "$prev" -gt 0 ] && phase[$n,agent]+="$((out - t0 - prev)) "
      for i in "${!side_keys[@]}"; do
        at="$(grep -m1 -F "  ${side_keys[$i]}" "$log" | awk '{print $3}' || true)"
        if [ -n "$at" ]; then phase[$n,side$i]+="$at "; fi
      done
      if [ "$prev" -eq 0 ]; then # an older build without trace marks: its progress lines, stamped
        at() { grep -m1 -F "$1" "$log" | cut -d' ' -f1; }
        tn=$(at ': networks'); ts=$(at ': sidecar ('); th=$(at ': sidecar healthy')
        if [ -n "$tn" ] && [ -n "$ts" ] && [ -n "$th" ]; then
          phase[$n,coarse]+="$((tn - t0))/$((ts - tn))/$((th - ts))/$((out - th)) "
        fi
      fi
    done
    t0=$(now_ms)
    out="$(docker run --rm --runtime "$rt" --network none --entrypoint date "$agent_image" +%s%3N)"
    bare_ms[x]+="$((out - t0)) "
  done
  b=$(tr ' ' '\n' <<<"${bare_ms[x]}" | grep . | median)
  echo "== runtime $rt (bottle and bare run), median of $runs, load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
  for n in "${names[@]}"; do
    s=$(tr ' ' '\n' <<<"${start_ms[$n]}" | grep . | median)
    d=$(tr ' ' '\n' <<<"${teardown_ms[$n]}" | grep . | median)
    echo "[$n] start to agent command: bottle start ${s} ms, bare docker run ${b} ms, ratio $(awk -v s="$s" -v b="$b" 'BEGIN {printf "%.1f", s/b}')x; teardown ${d} ms"
    line=""
    for i in "${!phase_keys[@]}"; do
      [ -n "${phase[$n,$i]:-}" ] && line+="${phase_names[$i]} $(tr ' ' '\n' <<<"${phase[$n,$i]}" | grep . | median), "
    done
    [ -n "${phase[$n,agent]:-}" ] && line+="agent start to its command $(tr ' ' '\n' <<<"${phase[$n,agent]}" | grep . | median)"
    [ -n "$line" ] && echo "[$n] phases (ms, median): $line"
    line=""
    for i in "${!side_keys[@]}"; do
      [ -n "${phase[$n,side$i]:-}" ] && line+="${side_names[$i]} $(tr ' ' '\n' <<<"${phase[$n,side$i]}" | grep . | median), "
    done
    [ -n "$line" ] && echo "[$n] sidecar steps (ms since launch, median): ${line%, }"
    [ -n "${phase[$n,coarse]:-}" ] && echo "[$n] phases (ms; CLI+preflight / networks / sidecar to healthy / agent): ${phase[$n,coarse]}"
  done

  for k in "${!jars[@]}"; do
    j="${jars[$k]}"; n="${names[$k]}"
    bottle_with "$j" -jar "$j" start --yes --runtime "$rt" --command 'sleep 25; for i in $(seq 300); do curl -s -o /dev/null -x http://egress:3128 http://denied.invalid/; done; sleep 5' bench >/dev/null 2>&1 &
    launcher=$!
    id=""
    for _ in $(seq 240); do
      id="$(docker ps --filter label=io.claudebottle.role=agent --format '{{.Label "io.claudebottle.bottle-id"}}' | awk 'NR == 1')"
      [ -n "$id" ] && break
      sleep 0.5
    done
    [ -n "$id" ] || { echo "start.sh: the bottle did not come up" >&2; exit 1; }
    sleep 5
    idle=$(mem_mb "$id-sidecar"); agent=$(mem_mb "$id-agent")
    sleep 20
    load=$(mem_mb "$id-sidecar")
    wait "$launcher" || true
    echo "[$n] sidecar RSS ($rt, docker stats): idle ${idle} MB, under load (300 denied requests) ${load} MB; idle agent ${agent} MB;" \
         "idle bottles per 8 GB: $(( 8192 / (idle + agent + 1) ))"
  done
  unset start_ms bare_ms teardown_ms phase
done
