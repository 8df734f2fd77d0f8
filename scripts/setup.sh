# Sourced by scripts/test and ./bottle demo: idempotent installs (as root) of what the tests and the
# demo need, and a running dockerd.
# shellcheck shell=bash

say() { printf '\033[1m%s:\033[0m %s\n' "${SETUP_WHO:-setup}" "$*" >&2; }

apt_updated=""
ensure_packages() { # ensure_packages CMD:PKG ...
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    say "not root: not installing ${missing[*]} (whatever needs them will skip)"
    return 0
  fi
  say "installing ${missing[*]}"
  [ -n "$apt_updated" ] || { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

ensure_claude_code() { # the npm package ships Claude Code's native binary (the agent image copies it)
  ensure_packages npm:npm
  if ! command -v claude >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v npm >/dev/null 2>&1; then
    say "installing Claude Code (npm install -g @anthropic-ai/claude-code)"
    npm install -g --no-fund --no-audit @anthropic-ai/claude-code >&2
  fi
}

ensure_dockerd() {
  docker info >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v dockerd >/dev/null 2>&1; then
    say "no Docker engine, and not root or no dockerd: what needs Docker will skip"
    return 0
  fi
  say "starting dockerd (log: /var/log/bottle-dockerd.log)"
  nohup dockerd >>/var/log/bottle-dockerd.log 2>&1 &
  local i
  for i in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  say "dockerd did not answer within 30 s; see /var/log/bottle-dockerd.log"
}

# gVisor for the Docker backend: Debian's runsc, registered as the `runsc` runtime. On VMs like CI's
# it only runs with --network=host (gVisor then uses the network namespace Docker gave the container,
# which is still the bottle's own); never --platform=kvm, which hangs. Merges into daemon.json,
# keeping every other key, and reloads a running dockerd with SIGHUP.
ensure_gvisor() {
  ensure_packages runsc:runsc jq:jq
  command -v runsc >/dev/null 2>&1 && command -v jq >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] || return 0
  local conf=/etc/docker/daemon.json want
  want='{"path":"/usr/bin/runsc","runtimeArgs":["--network=host"]}'
  if [ -f "$conf" ] && jq -e --argjson w "$want" '.runtimes.runsc == $w' "$conf" >/dev/null 2>&1; then
    return 0
  fi
  say "registering gVisor (runsc --network=host) in $conf"
  mkdir -p /etc/docker
  local tmp; tmp="$(mktemp /etc/docker/daemon.json.XXXXXX)"
  if ! { [ -s "$conf" ] && cat "$conf" || echo '{}'; } | jq --argjson w "$want" '.runtimes.runsc = $w' >"$tmp"; then
    rm -f "$tmp"; say "$conf is not valid JSON: not registering runsc (fix the file and rerun)"; return 0
  fi
  chmod 644 "$tmp" && mv "$tmp" "$conf"
  local pid; pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -HUP "$pid"; sleep 1; fi
}

# Docker backend: a local dockerd (no registry needed: images are built from a debootstrap base).
ensure_docker() {
  ensure_packages dockerd:docker.io debootstrap:debootstrap
  ensure_gvisor
  ensure_dockerd
}
