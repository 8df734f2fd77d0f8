# Sourced by ./bottle, ./mvnw and scripts/test: finds JDK 25 and a Maven 3.9 without any user export.
# shellcheck shell=bash

BOTTLE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAVEN_VERSION=3.9.16

java_major() { # prints the major version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1 | cut -d. -f1
}

find_jdk25() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/jdk-25* /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    local major; major="$(java_major "$candidate/bin/java")"
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then echo "$candidate"; return 0; fi
  done
  if command -v javac >/dev/null 2>&1; then
    local home; home="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
    local major; major="$(java_major "$home/bin/java")"
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then echo "$home"; return 0; fi
  fi
  return 1
}

require_jdk25() {
  if ! JAVA_HOME="$(find_jdk25)"; then
    echo "bottle: needs JDK 25 or newer; none found in JAVA_HOME, /usr/lib/jvm or on PATH." >&2
    echo "bottle: install one (e.g. Temurin 25) under /usr/lib/jvm and run this again." >&2
    exit 2
  fi
  export JAVA_HOME
  export PATH="$JAVA_HOME/bin:$PATH"
}

# Maven 3.9 is fetched once, by artifact name, through whatever Maven the machine has, then cached
# under ~/.m2 — the machine's own Maven settings (mirrors, proxies) therefore apply.
require_maven() {
  local dist="$HOME/.m2/bottle-maven/apache-maven-$MAVEN_VERSION"
  if [ ! -x "$dist/bin/mvn" ]; then
    if ! command -v mvn >/dev/null 2>&1; then
      echo "bottle: needs Maven to bootstrap Maven $MAVEN_VERSION; install it (apt-get install maven) and rerun." >&2
      exit 2
    fi
    echo "bottle: fetching Maven $MAVEN_VERSION (once)..." >&2
    local tmp; tmp="$(mktemp -d)"
    mvn -q -B dependency:copy "-Dartifact=org.apache.maven:apache-maven:$MAVEN_VERSION:zip:bin" \
        "-DoutputDirectory=$tmp" >&2 || { echo "bottle: could not fetch Maven $MAVEN_VERSION" >&2; exit 2; }
    mkdir -p "$(dirname "$dist")"
    (cd "$tmp" && unzip -q "apache-maven-$MAVEN_VERSION-bin.zip" && rm -rf "$dist" && mv "apache-maven-$MAVEN_VERSION" "$dist")
    rm -rf "$tmp"
  fi
  MVN="$dist/bin/mvn"
}

# The launcher JVM's options. C1 only: a launcher's own work is its start and then waiting on the
# agent, and C2 compiling that start-up code cost more CPU than the whole rest of a start (on a
# 2-core machine, CPU the sidecar needed too). The native backend's in-process sidecar runs C1 code
# as well; its load is one agent's traffic (the sidecar container keeps C2 for the Docker backend).
launcher_opts() {
  # Unsafe memory access allowed: Netty (a native bottle's sidecar runs in this JVM) then keeps its
  # Unsafe buffers instead of linking malloc/free through the FFM API at start-up; and Netty's buffer-leak
  # detection off. Both as in the sidecar image (images/sidecar/entrypoint.sh says why).
  printf '%s\n' --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -Dsun.misc.unsafe.memory.access=allow \
    -Dio.netty.leakDetection.level=disabled
}

# JDK 25 AOT cache (JEP 483/514) of the CLI jar: classes loaded and linked from one training run, so
# that `bottle start` reaches the agent in a fraction of a cold start. Without the training run's
# method profiles (-XX:-AOTRecordTraining): replaying them made C1 compile, early and on a 2-core
# machine's second core, the methods the whole training run had used; a start cost 7-13 % more CPU.
# A cache older than its jar is never used; a mismatched one (another JDK, a changed jar) is ignored
# by the JVM, and -Xlog keeps its warning off the user's terminal.
aot_flags() { # aot_flags JAR: the java options that use JAR's cache when it is current
  local cache="${1%.jar}.aot"
  if [ -f "$cache" ] && [ "$cache" -nt "$1" ]; then
    printf '%s\n' "-XX:AOTCache=$cache" -Xlog:aot=off -Xlog:cds=off
  fi
}

ensure_aot_cache() { # ensure_aot_cache JAR: one training run (io.claudebottle.cli.AotTraining) when JAR has no current cache
  local jar="$1" cache="${1%.jar}.aot"
  [ -f "$cache" ] && [ "$cache" -nt "$jar" ] && return 0
  [ -f "$cache.failed" ] && [ "$cache.failed" -nt "$jar" ] && return 0
  echo "bottle: creating the start-up cache for this build (once, a few seconds)..." >&2
  local home work; home="$(mktemp -d)"; work="$(mktemp -d)"
  mkdir -p "$home/bottles" "$home/agents"
  printf -- '---\negress:\n  allowlist: []\n---\nStart-up cache training.\n' > "$home/bottles/train.md"
  printf -- '---\nbottle: train\n---\nStart-up cache training.\n' > "$home/agents/train.md"
  rm -f "$cache.tmp"
  local opts; mapfile -t opts < <(launcher_opts)
  (cd "$work" && CLAUDE_BOTTLE_HOME="$home" "$JAVA_HOME/bin/java" "${opts[@]}" \
      "-XX:AOTCacheOutput=$cache.tmp" -XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining \
      -Xlog:aot=off -Xlog:cds=off \
      -cp "$jar" io.claudebottle.cli.AotTraining train </dev/null >/dev/null 2>&1) || true
  rm -rf "$home" "$work"
  if [ -s "$cache.tmp" ]; then
    mv -f "$cache.tmp" "$cache" # atomic: a concurrent launcher sees the old cache or the new one
    rm -f "$cache.failed"
  else
    rm -f "$cache.tmp"; touch "$cache.failed"
    echo "bottle: could not create the start-up cache; starting without it" >&2
  fi
}
