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

# Docker backend: a local dockerd (no registry needed: images are built from a debootstrap base).
ensure_docker() {
  ensure_packages dockerd:docker.io debootstrap:debootstrap
  ensure_dockerd
}
