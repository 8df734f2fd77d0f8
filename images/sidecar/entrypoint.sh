#!/bin/bash
# Sidecar entrypoint: writes the launcher's files (config.json and friends; never tokens, which
# arrive as environment variables) into the /run/bottle tmpfs, then runs the sidecar JVM.
# `--train` (run once by the image build, offline) starts the sidecar on loopback until it is healthy
# and stops it, leaving a JDK AOT cache (classes loaded and linked, method profiles) and the compiled
# Hyperscan database of the default DLP rules in the image: a bottle's sidecar then skips both.
set -euo pipefail
app=/opt/bottle/app
aot=/opt/bottle/sidecar.aot
# Serial GC, a small young generation and one Netty arena keep an idle sidecar's RSS low; training
# and every run use the same options, which the AOT cache requires. The heap gives back what the
# start-up left free (the sidecar runs one full GC once it is ready; free ratios 10-30 %), and
# glibc returns freed native memory every second and keeps one malloc arena, not one per thread
# (a second arena held ~4 MB more after an upload and 200 busy connections, at the same requests/s).
# C2 only (-XX:-TieredCompilation): tiered compilation kept ~11 MB more compiled code (C1's
# profiled copies of thousands of start-up methods) and its compiler arenas, which put a warm
# sidecar under 200 busy connections at 135-155 MB RSS instead of 117-127 MB (bench/egress.sh),
# at the same requests/s. The price is start-up code that runs interpreted: the CA is minted
# 0.25-0.4 s later and the sidecar uses ~0.8 CPU-seconds more until it is ready.
# Netty's shared default pool (cred-proxy, supervise) takes 1 MiB chunks, not 4 MiB.
# sun.misc.Unsafe memory access allowed: Netty then keeps its Unsafe buffers and cleaner (on JDK 25
# it otherwise links malloc/free through the FFM API at start-up, ~60 ms of a cold sidecar's CPU,
# and its buffers go through bounds-checked views: bench/egress.sh gave 16 % more requests per CPU
# second with it, the same RSS and upload rate). The JDK then prints no warning.
# Netty's buffer-leak detection off: it records a stack trace for one buffer in 128, which cost
# 13 % of the proxy's requests per CPU-second (bench/egress.sh, alternating A/B); the tests keep it.
export MALLOC_ARENA_MAX=1
opts=(-XX:+UseSerialGC -Xms8m -Xmx192m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:TrimNativeHeapInterval=1000
      -Xss512k -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=96m -XX:-TieredCompilation
      -XX:MaxDirectMemorySize=64m -XX:+UseCompactObjectHeaders
      -Dio.netty.allocator.type=pooled -Dio.netty.allocator.numDirectArenas=1 -Dio.netty.allocator.numHeapArenas=1
      -Dio.netty.allocator.maxOrder=7 -Dsun.misc.unsafe.memory.access=allow -Dio.netty.leakDetection.level=disabled
      -Dbottle.dlp.cacheDir=/opt/bottle/dlp-cache --enable-native-access=ALL-UNNAMED -Xlog:aot=off -Xlog:cds=off
      # JavaCPP (Hyperscan) refuses native allocations past an RSS it guesses from -Xmx, and the
      # mapped AOT cache counts in RSS: memory is bounded by the container limit instead.
      -Dorg.bytedeco.javacpp.maxPhysicalBytes=0
      # Native libraries from the image, not unpacked from their jars at every start (~70 ms of a
      # cold sidecar's CPU): Netty's BoringSSL, which the image build put in app/native (Netty looks
      # on java.library.path first), and JavaCPP's and Hyperscan's, which the training run copies
      # there from the cache JavaCPP unpacked them into (pathsFirst: JavaCPP looks there first).
      -Djava.library.path=$app/native -Dorg.bytedeco.javacpp.pathsFirst=true
      -cp "$(cat $app/classpath)")
main="${BOTTLE_SIDECAR_MAIN:-$(cat $app/main-class)}"

if [ "${1:-}" = --train ]; then
  # AOT caches take jars only: a class directory on the path (test images) means no cache.
  if grep -q -v '\.jar$' <(tr ':' '\n' < $app/classpath); then echo "train: class directories on the path; no AOT cache"; aotopt=(); else aotopt=(-XX:AOTCacheOutput=$aot); fi
  mkdir -p /run/bottle /opt/bottle/dlp-cache $app/native
  printf '%s' '{"bottle":"train","bind":"127.0.0.1","auditLog":"/run/bottle/audit.jsonl","caCertFile":"/run/bottle/ca.pem","supervise":{"port":9100},"egress":{"port":3128}}' > /run/bottle/config.json
  /opt/bottle/jre/bin/java "${opts[@]}" "${aotopt[@]}" $main > /tmp/train.log 2>&1 &
  pid=$!
  ok=""
  for _ in $(seq 3000); do
    if curl -s -m 1 -o /dev/null http://127.0.0.1:9100/health; then ok=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  # a request through the proxy trains the request path too (denied: nothing is allowlisted)
  [ -n "$ok" ] && curl -s -m 5 -o /dev/null -x http://127.0.0.1:3128 http://denied.invalid/ || true
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  [ -n "$ok" ] || { echo "train: the sidecar did not become healthy; no caches"; cat /tmp/train.log; rm -f $aot; }
  find /root/.javacpp -name 'lib*.so' -exec cp {} $app/native/ \; 2>/dev/null || true
  chmod -R a+rX /opt/bottle/dlp-cache $app/native 2>/dev/null || true
  [ -f $aot ] && chmod 0644 $aot
  rm -rf /run/bottle/* /tmp/* /root/.javacpp
  echo "train: AOT cache $( [ -f $aot ] && du -h $aot | cut -f1 || echo none), DLP cache $(ls /opt/bottle/dlp-cache | wc -l) file(s), native libraries: $(ls $app/native | tr '\n' ' ')"
  exit 0
fi

if [ -n "${BOTTLE_FILES:-}" ]; then
  printf '%s' "$BOTTLE_FILES" | base64 -d | tar -x -C /run/bottle
  unset BOTTLE_FILES
fi
# The cache is mapped at a random address (the JDK's default), not where it was built
# (-XX:ArchiveRelocationMode=0 saved 40-200 ms of a start here): this JVM parses the agent's traffic,
# and a fixed address for its class metadata would give a memory-corruption bug in it a known target.
[ -f $aot ] && opts+=(-XX:AOTCache=$aot)
# `bottle start` traced (-Dbottle.trace=start): the sidecar's phases on the launcher's clock
[ -n "${BOTTLE_TRACE_T0:-}" ] && opts+=(-Dbottle.trace=start "-Dbottle.trace.t0=$BOTTLE_TRACE_T0")
exec /opt/bottle/jre/bin/java "${opts[@]}" $main "$@"
