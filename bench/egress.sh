#!/usr/bin/env bash
# Benchmark of the egress proxy against Squid (not part of the test suite). In one run, through our
# proxy (`bottle sidecar`, TLS interception + DLP) and through Squid (Debian squid-openssl, same
# allowlist, ssl_bump) to the same loopback HTTPS origin, it prints:
#   - requests/s for small GETs over keep-alive (RPS_CONNS connections, default 64), ours and Squid
#     alternating for RPS_ROUNDS (3) rounds each, so that the machine's other load, which swings
#     from minute to minute on a shared machine, weighs on both: medians and the median ratio;
#   - p50/p99 latency added to a small keep-alive GET (one connection, vs. direct to the origin);
#   - MB/s of a 100 MB upload (DLP on for ours), after an unmeasured UPLOAD_WARM_MB (100) one by
#     the same client JVM (a cold client measures its own JIT: 17 MB/s straight to the origin),
#     also straight to the origin: the client's and origin's own ceiling on this machine;
#   - the proxy's peak RSS while RSS_CONNS (default 200) connections are busy;
#   - the CPU time each proxy process spent on the requests/s and upload runs (from /proc), as
#     requests and MB per CPU-second: on a shared machine wall-clock figures swing with other
#     load, CPU per unit of work much less;
#   - the DLP engine alone on the upload payload, in the windows the proxy feeds it, in MB per CPU
#     second of its thread, and the share of our upload CPU that is DLP.
# Targets: >= 2x Squid's requests/s, p50 added <= 1 ms, >= 200 MB/s upload, RSS <= 128 MB.
# Figures are for a warm proxy: before measuring, each proxy gets warm-up rounds of requests (8
# connections for SECONDS_PER_RUN), then of 30 MB uploads, each kind until its C2 compiler threads
# used under 10 % of its CPU in a round, at most WARM_ROUNDS (6) of each. A fresh sidecar JVM spends
# 30-60 % of its CPU in C2 for its first minute of traffic; that is start-up, not the proxy's cost.
# The C2 share left in each measured run is printed too.
# Installs squid-openssl when missing (needs root). All traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
source scripts/env.sh
require_jdk25
JAVA="$JAVA_HOME/bin/java"
export BOTTLE_TARGET="${BOTTLE_TARGET:-target-bench}"
secs="${SECONDS_PER_RUN:-10}"
rps_conns="${RPS_CONNS:-64}"
rps_rounds="${RPS_ROUNDS:-3}"
rss_conns="${RSS_CONNS:-200}"
upload_mb="${UPLOAD_MB:-100}"
upload_warm_mb="${UPLOAD_WARM_MB:-100}"
warm_rounds="${WARM_ROUNDS:-6}"
# The sidecar's JVM exactly as images/sidecar/entrypoint.sh starts it: its -X/-D options are read
# from that file, so the RSS target is measured the way a bottle runs. The image's DLP database cache
# is replaced by the user's (filled by the DLP-alone run below, as the image build fills its own).
# SIDECAR_JVM_OPTS replaces the options; SIDECAR_EXTRA_OPTS adds some (e.g. -XX:TieredStopAtLevel=1).
entry_flags="$(sed -n '/^opts=(/,/)$/p' images/sidecar/entrypoint.sh | sed 's/#.*//' | grep -o -- '-[XD][^ )"]*' \
  | grep -v -e '^-Dbottle.dlp.cacheDir=' -e '^-XX:AOTCache' -e '^-Djava.library.path=' -e '^-Dorg.bytedeco.javacpp.pathsFirst=' \
  | tr '\n' ' ')"
[ -n "$entry_flags" ] || entry_flags="-XX:+UseSerialGC -Xmx96m -Xss512k -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=96m"
sidecar_jvm="${SIDECAR_JVM_OPTS:-$entry_flags} ${SIDECAR_EXTRA_OPTS:-}"
# ...and with the glibc settings it exports (MALLOC_ARENA_MAX: native memory, so RSS).
sidecar_env="$(sed -n 's/^export \(MALLOC_[A-Z_]*=[0-9]*\).*/\1/p' images/sidecar/entrypoint.sh | tr '\n' ' ')"

say() { printf '\033[1mbench:\033[0m %s\n' "$*" >&2; }

if ! command -v squid >/dev/null 2>&1 || ! squid -v 2>/dev/null | grep -q -- '--with-openssl'; then
  [ "$(id -u)" -eq 0 ] || { say "squid-openssl is missing; run as root to install it"; exit 2; }
  say "installing squid-openssl"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends squid-openssl >&2 \
    || { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends squid-openssl >&2; }
fi

work="$(mktemp -d)"; chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

say "making the origin's and Squid's certificates"
(cd "$work"
 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=bench origin CA" \
   -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
   -keyout origin-ca.key -out origin-ca.pem 2>/dev/null
 openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
   -keyout origin.key -out origin.csr 2>/dev/null
 printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > origin.ext
 openssl x509 -req -in origin.csr -CA origin-ca.pem -CAkey origin-ca.key -CAcreateserial -days 2 \
   -extfile origin.ext -out origin.pem 2>/dev/null
 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=bench squid CA" \
   -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
   -keyout squid-ca.key -out squid-ca.pem 2>/dev/null)

bench_cp() { ls cli/"$BOTTLE_TARGET"/lib/*.jar | tr '\n' ':'; }
# Compiled once: the source launcher would compile it again, on the CPUs being measured, every run.
bench() { "$JAVA" -Xmx1g --enable-native-access=ALL-UNNAMED -cp "$work/bench-classes:$(bench_cp)" EgressBench "$@"; }
val() { sed -n "s/^$1=//p"; }

origin_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
if [ -z "${SKIP_BUILD:-}" ]; then
  say "building the CLI (its jars also run the bench's origin)"
  ./bottle --version >/dev/null
fi
[ -f "cli/$BOTTLE_TARGET/bottle.jar" ] || { say "cli/$BOTTLE_TARGET/bottle.jar is missing; run without SKIP_BUILD"; exit 2; }
openssl pkcs8 -topk8 -nocrypt -in "$work/origin.key" -out "$work/origin.pk8"
"$JAVA_HOME/bin/javac" -nowarn -d "$work/bench-classes" -cp "$(bench_cp)" bench/egress/EgressBench.java
cat "$work/origin.pem" "$work/origin-ca.pem" > "$work/origin-chain.pem"
"$JAVA" -cp "$(bench_cp)" bench/egress/EgressBench.java origin "$origin_port" "$work/origin-chain.pem" "$work/origin.pk8" \
  > "$work/origin.out" 2>&1 & pids+=($!)
target="localhost:$origin_port"
for _ in $(seq 300); do grep -q 'origin=ready' "$work/origin.out" 2>/dev/null && break; sleep 0.2; done
grep -q 'origin=ready' "$work/origin.out" || { cat "$work/origin.out" >&2; say "origin did not start"; exit 1; }

# First, so that its compiled DLP database is cached (as in the image) before the sidecar starts.
say "DLP alone: ${upload_mb} MB of the upload payload in 256 KiB windows"
bench dlp "$upload_mb" 262144 > "$work/dlp.out"

say "starting our sidecar (the image's entry point, ContainerSidecarMain)"
cat > "$work/sidecar.json" <<JSON
{ "bottle": "bench", "bind": "127.0.0.1", "auditLog": "$work/audit.jsonl", "caCertFile": "$work/bottle-ca.pem",
  "supervise": {"port": 0},
  "egress": {"port": 0, "allowlist": ["localhost:$origin_port"], "allowAddresses": ["127.0.0.1", "::1"],
             "extraTrustedCaFiles": ["$work/origin-ca.pem"]} }
JSON
# The container's main class, as the image runs it (`bottle sidecar --config` serves the same, but
# with the CLI's classes loaded around it: 5 MB more RSS).
# shellcheck disable=SC2086 # the flags are a word list
env $sidecar_env "$JAVA" $sidecar_jvm --enable-native-access=ALL-UNNAMED -cp "cli/$BOTTLE_TARGET/bottle.jar:$(bench_cp)" \
  io.claudebottle.backend.docker.ContainerSidecarMain "$work/sidecar.json" > "$work/sidecar.out" 2> "$work/sidecar.err" & pids+=($!)
sidecar_pid=$!
for _ in $(seq 600); do grep -q '"ports"' "$work/sidecar.out" 2>/dev/null && break; sleep 0.2; done
grep -q '"ports"' "$work/sidecar.out" || { cat "$work/sidecar.err" >&2; say "sidecar did not start"; exit 1; }
ours="127.0.0.1:$(sed -n 's/.*"egress":\([0-9]*\).*/\1/p' "$work/sidecar.out")"
ours_pid="$sidecar_pid"

say "starting Squid with ssl_bump"
squid_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
certgen="$(ls /usr/lib/squid/security_file_certgen 2>/dev/null || command -v security_file_certgen)"
mkdir -p "$work/squid"
"$certgen" -c -s "$work/squid/ssl_db" -M 16MB >/dev/null
cat > "$work/squid.conf" <<CONF
http_port 127.0.0.1:$squid_port ssl-bump tls-cert=$work/squid-ca.pem tls-key=$work/squid-ca.key generate-host-certificates=on dynamic_cert_mem_cache_size=16MB
sslcrtd_program $certgen -s $work/squid/ssl_db -M 16MB
sslcrtd_children 4 startup=2 idle=1
acl step1 at_step SslBump1
ssl_bump peek step1
ssl_bump bump all
acl allowed dstdomain localhost
acl bench_port port $origin_port
http_access allow CONNECT allowed bench_port
http_access allow allowed bench_port
http_access deny all
tls_outgoing_options cafile=$work/origin-ca.pem
cache deny all
cache_mem 8 MB
access_log none
cache_log $work/squid/cache.log
pid_filename $work/squid/squid.pid
coredump_dir $work/squid
shutdown_lifetime 1 seconds
workers 1
CONF
chown -R proxy:proxy "$work/squid" 2>/dev/null || true
chmod 644 "$work"/*.pem "$work"/*.key
squid -N -f "$work/squid.conf" > "$work/squid.out" 2>&1 & pids+=($!)
squid_pid=$!
for _ in $(seq 100); do bench rps "127.0.0.1:$squid_port" "$target" "$work/squid-ca.pem" 1 1 2>/dev/null | grep -q '^errors=0' && break; sleep 0.3; done

cpu_ticks() { # utime + stime of process $1 (0 when none)
  if [ -n "$1" ] && [ -r "/proc/$1/stat" ]; then awk '{print $14 + $15}' "/proc/$1/stat"; else echo 0; fi
}

jit_ticks() { # CPU ticks of process $1's C2 compiler threads (0 for a process without any)
  local t sum=0
  [ -n "$1" ] || { echo 0; return; }
  for t in /proc/"$1"/task/*; do
    if grep -q '^C2 Compiler' "$t/comm" 2>/dev/null; then sum=$((sum + $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0))); fi
  done
  echo "$sum"
}

measured() { # measured NAME_PREFIX PID CMD... -> CMD's output prefixed, then its CPU and C2 ticks
  local prefix=$1 pid=$2 c0 j0; shift 2
  c0=$(cpu_ticks "$pid"); j0=$(jit_ticks "$pid")
  "$@" | sed "s/^/${prefix}_/"
  echo "${prefix}_cpu_ticks=$(( $(cpu_ticks "$pid") - c0 ))"
  echo "${prefix}_jit_ticks=$(( $(jit_ticks "$pid") - j0 ))"
}

warm_up() { # warm_up NAME PROXY CA PID UPLOAD -> prints NAME_warm_rounds and the last round's C2 share
  # Requests and uploads run different code (the body streaming and scanning path), so each is
  # repeated until C2 is quiet during it: a round of both was dominated by the requests, and the
  # upload path was still compiling in the measured upload (C2 a third of the proxy's CPU).
  local name=$1 proxy=$2 ca=$3 pid=$4 upload=$5 round kind c0 j0 c j share=0 rounds=0
  for kind in rps $( [ "$upload" = upload ] && echo upload ); do
    for round in $(seq "$warm_rounds"); do
      c0=$(cpu_ticks "$pid"); j0=$(jit_ticks "$pid")
      if [ "$kind" = rps ]; then bench rps "$proxy" "$target" "$ca" 8 "$secs" > /dev/null
      else bench upload "$proxy" "$target" "$ca" 30 > /dev/null; fi
      c=$(( $(cpu_ticks "$pid") - c0 )); j=$(( $(jit_ticks "$pid") - j0 ))
      share=$(( c > 0 ? 100 * j / c : 0 ))
      rounds=$((rounds + 1))
      say "$name: warm-up $kind round $round: C2 used ${share} % of the proxy's CPU"
      [ "$share" -lt 10 ] && break
    done
  done
  echo "${name}_warm_rounds=$rounds"
  echo "${name}_warm_jit_pct=$share"
}

run() { # run NAME PROXY CA PID [upload] -> prints key=value lines prefixed NAME_ (requests/s: see rps_pairs)
  local name=$1 proxy=$2 ca=$3 pid=$4 upload=${5:-upload}
  say "$name: warm-up rounds (8 connections for ${secs} s$([ "$upload" = upload ] && echo ", then 30 MB uploads"), each until C2 is quiet; not measured)"
  warm_up "$name" "$proxy" "$ca" "$pid" "$upload"
  say "$name: latency (1 connection)"
  measured "${name}_lat" "$pid" bench rps "$proxy" "$target" "$ca" 1 "$secs"
  if [ "$upload" = upload ]; then
    say "$name: ${upload_mb} MB upload, after ${upload_warm_mb} MB unmeasured by the same client"
    measured "${name}_up" "$pid" bench upload "$proxy" "$target" "$ca" "$upload_mb" "$upload_warm_mb"
  fi
}

rps_pairs() { # requests/s runs of ours and Squid, alternating, RPS_ROUNDS of each -> NAME_rps<i>_ lines
  local r
  for r in $(seq "$rps_rounds"); do
    say "requests/s ($rps_conns connections), round $r of $rps_rounds: ours, then Squid"
    measured "ours_rps$r" "$ours_pid" bench rps "$ours" "$target" "$work/bottle-ca.pem" "$rps_conns" "$secs"
    measured "squid_rps$r" "$squid_pid" bench rps "127.0.0.1:$squid_port" "$target" "$work/squid-ca.pem" "$rps_conns" "$secs"
  done
}

peak_rss_mb() { # peak_rss_mb PID PROXY CA NAME (the load's output goes to $work/NAME-rss-load.out)
  local pid=$1 peak=0 rss
  bench rps "$2" "$target" "$3" "$rss_conns" "$secs" > "$work/$4-rss-load.out" & local load=$!
  while kill -0 "$load" 2>/dev/null; do
    rss="$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)"
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  echo $((peak / 1024))
}

results="$work/results"
run direct direct "$work/origin-ca.pem" "" > "$results"
say "direct: requests/s ($rps_conns connections)"
measured direct_rps "" bench rps direct "$target" "$work/origin-ca.pem" "$rps_conns" "$secs" >> "$results"
run ours "$ours" "$work/bottle-ca.pem" "$ours_pid" >> "$results"
run squid "127.0.0.1:$squid_port" "$work/squid-ca.pem" "$squid_pid" >> "$results"
rps_pairs >> "$results"
cat "$work/dlp.out" >> "$results"
say "RSS under $rss_conns busy connections"
echo "ours_rss_mb=$(peak_rss_mb "$ours_pid" "$ours" "$work/bottle-ca.pem" ours)" >> "$results"
echo "ours_rss_errors=$(val errors < "$work/ours-rss-load.out")" >> "$results"
squid_rss=0
for p in $(pgrep -f "squid.*$work/squid.conf" || true); do
  r=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0); squid_rss=$((squid_rss + r))
done
echo "squid_idle_rss_mb=$((squid_rss / 1024))" >> "$results"
echo "squid_rss_mb=$(peak_rss_mb "$squid_pid" "127.0.0.1:$squid_port" "$work/squid-ca.pem" squid)" >> "$results"
echo "squid_rss_errors=$(val errors < "$work/squid-rss-load.out")" >> "$results"

get() { sed -n "s/^$1=//p" "$results" | head -1; }
awk_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
hz="$(getconf CLK_TCK)"
per_cpu_s() { awk -v n="$1" -v t="$2" -v hz="$hz" 'BEGIN { if (t > 0) printf "%.0f", n / (t / hz); else print "n/a" }'; }
ours_lat_cpu="$(per_cpu_s "$(get ours_lat_requests)" "$(get ours_lat_cpu_ticks)")"
squid_lat_cpu="$(per_cpu_s "$(get squid_lat_requests)" "$(get squid_lat_cpu_ticks)")"
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Requests/s: ours and Squid alternate, so a change in the machine's other load hits both; each
# figure is the median of the rounds, the ratios the median of the rounds' ratios.
ours_rps_all="" squid_rps_all="" rps_ratios="" ours_cpu_all="" squid_cpu_all="" cpu_ratios=""
for r in $(seq "$rps_rounds"); do
  o="$(get "ours_rps${r}_rps")"; q="$(get "squid_rps${r}_rps")"
  oc="$(per_cpu_s "$(get "ours_rps${r}_requests")" "$(get "ours_rps${r}_cpu_ticks")")"
  qc="$(per_cpu_s "$(get "squid_rps${r}_requests")" "$(get "squid_rps${r}_cpu_ticks")")"
  ours_rps_all+=" $o" squid_rps_all+=" $q" rps_ratios+=" $(awk_ratio "$o" "$q")"
  ours_cpu_all+=" $oc" squid_cpu_all+=" $qc" cpu_ratios+=" $(awk_ratio "$oc" "$qc")"
done
ours_rps="$(echo "$ours_rps_all" | median)"; squid_rps="$(echo "$squid_rps_all" | median)"
ours_rps_cpu="$(echo "$ours_cpu_all" | median)"; squid_rps_cpu="$(echo "$squid_cpu_all" | median)"
# The upload run's CPU covers the client's unmeasured upload too: the proxy is warm for both.
up_total_mb=$((upload_mb + upload_warm_mb))
ours_up_cpu="$(per_cpu_s "$up_total_mb" "$(get ours_up_cpu_ticks)")"
squid_up_cpu="$(per_cpu_s "$up_total_mb" "$(get squid_up_cpu_ticks)")"
# The share of our upload's CPU time the scanner alone would need for the same bytes.
dlp_share="$(awk -v mb="$up_total_mb" -v d="$(get dlp_mbps)" -v t="$(get ours_up_cpu_ticks)" -v hz="$hz" \
  'BEGIN { if (d > 0 && t > 0) printf "%.0f%%", 100 * (mb / d) / (t / hz); else print "n/a" }')"
jit_pct() { awk -v j="$(get "${1}_jit_ticks")" -v c="$(get "${1}_cpu_ticks")" 'BEGIN { if (c > 0) printf "%.0f%%", 100 * j / c; else print "n/a" }'; }
added() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

echo
printf '%-34s %12s %12s %12s %10s\n' "" direct bottle squid "bottle/squid"
printf '%-34s %12s %12s %12s %10s\n' "requests/s ($rps_conns conns, keep-alive)" "$(get direct_rps_rps)" "$ours_rps" "$squid_rps" "$(echo "$rps_ratios" | median)"
printf '%-34s %12s %12s %12s %10s\n' "p50 latency ms (1 conn)" "$(get direct_lat_p50_ms)" "$(get ours_lat_p50_ms)" "$(get squid_lat_p50_ms)" ""
printf '%-34s %12s %12s %12s %10s\n' "p99 latency ms (1 conn)" "$(get direct_lat_p99_ms)" "$(get ours_lat_p99_ms)" "$(get squid_lat_p99_ms)" ""
printf '%-34s %12s %12s %12s %10s\n' "p50 added ms" "" "$(added "$(get ours_lat_p50_ms)" "$(get direct_lat_p50_ms)")" "$(added "$(get squid_lat_p50_ms)" "$(get direct_lat_p50_ms)")" ""
printf '%-34s %12s %12s %12s %10s\n' "p99 added ms" "" "$(added "$(get ours_lat_p99_ms)" "$(get direct_lat_p99_ms)")" "$(added "$(get squid_lat_p99_ms)" "$(get direct_lat_p99_ms)")" ""
printf '%-34s %12s %12s %12s %10s\n' "upload MB/s (${upload_mb} MB; DLP: ours)" "$(get direct_up_upload_mbps)" "$(get ours_up_upload_mbps)" "$(get squid_up_upload_mbps)" "$(awk_ratio "$(get ours_up_upload_mbps)" "$(get squid_up_upload_mbps)")"
printf '%-34s %12s %12s %12s %10s\n' "peak RSS MB ($rss_conns busy conns)" "" "$(get ours_rss_mb)" "$(get squid_rss_mb)" ""
printf '%-34s %12s %12s %12s\n' "errors (rps runs)" "$(get direct_rps_errors)" \
  "$(sed -n 's/^ours_rps[0-9]*_errors=//p' "$results" | awk '{ n += $1 } END { print n + 0 }')" \
  "$(sed -n 's/^squid_rps[0-9]*_errors=//p' "$results" | awk '{ n += $1 } END { print n + 0 }')"
printf '%-34s %12s %12s %12s\n' "failed connections (RSS run)" "" "$(get ours_rss_errors)" "$(get squid_rss_errors)"
printf '%-34s %12s %12s %12s %10s\n' "requests per proxy CPU-s (1 conn)" "" "$ours_lat_cpu" "$squid_lat_cpu" "$(awk_ratio "$ours_lat_cpu" "$squid_lat_cpu")"
printf '%-34s %12s %12s %12s %10s\n' "requests per proxy CPU-s ($rps_conns conns)" "" "$ours_rps_cpu" "$squid_rps_cpu" "$(echo "$cpu_ratios" | median)"
printf '%-34s %12s %12s %12s %10s\n' "upload MB per proxy CPU-second" "" "$ours_up_cpu" "$squid_up_cpu" "$(awk_ratio "$ours_up_cpu" "$squid_up_cpu")"
rps_jit_pct="$(awk -F= '/^ours_rps[0-9]+_jit_ticks=/ { j += $2 } /^ours_rps[0-9]+_cpu_ticks=/ { c += $2 }
  END { if (c > 0) printf "%.0f%%", 100 * j / c; else print "n/a" }' "$results")"
printf '%-34s %12s %12s\n' "our C2 share: rps / upload runs" "" "$rps_jit_pct / $(jit_pct ours_up)"
printf '%-34s %12s %12s\n' "our warm-up rounds (last C2 share)" "" "$(get ours_warm_rounds) ($(get ours_warm_jit_pct)%)"
printf '%-34s %12s %12s\n' "DLP alone MB per CPU-s (windows)" "" "$(get dlp_mbps)"
printf '%-34s %12s %12s\n' "DLP share of our upload CPU" "" "$dlp_share"
printf '%-34s %12s\n' "requests/s bottle/squid, each round" "$(echo $rps_ratios | tr ' ' '/')"
printf '%-34s %12s\n' "per CPU-s bottle/squid, each round" "$(echo $cpu_ratios | tr ' ' '/')"
echo
echo "(requests/s rows: the median of $rps_rounds rounds, ours and Squid alternating; ratios: the median of the rounds' ratios)"
echo "targets: requests/s >= 2x squid; p50 added <= 1 ms; upload >= 200 MB/s; RSS <= 128 MB"
echo "(sidecar JVM: ${sidecar_env}$sidecar_jvm; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); squid RSS is its main process, plus its certgen helpers idle: $(get squid_idle_rss_mb) MB total)"
