#!/bin/bash
# Agent entrypoint: unpacks the launcher's role files into $HOME, waits for the sidecar's services,
# takes the bottle CA from the sidecar and trusts it for every TLS client in the image (the root file
# system is read-only, so the combined bundle lives in /tmp), then runs the agent command.
set -euo pipefail
if [ -n "${BOTTLE_FILES:-}" ]; then
  printf '%s' "$BOTTLE_FILES" | base64 -d | tar -x -C "$HOME"
  unset BOTTLE_FILES
fi
# The launcher starts this container right after the sidecar container, while the sidecar's JVM
# boots: the command runs once its services all listen, so that its first connection is not refused.
# The sidecar binds its supervise port after every other service, so a connection to it is the
# signal (bash's /dev/tcp: no process per attempt, the CPU is the sidecar's). The launcher stops this
# container if the sidecar fails.
if [ -n "${BOTTLE_SIDECAR_READY:-}" ]; then
  for _ in $(seq 1200); do
    { : < "/dev/tcp/${BOTTLE_SIDECAR_READY%:*}/${BOTTLE_SIDECAR_READY##*:}"; } 2>/dev/null && break
    sleep 0.05
  done
  unset BOTTLE_SIDECAR_READY
fi
ca="$HOME/.bottle/ca.pem"
# The bottle CA certificate (public; its key never leaves the sidecar), from the sidecar's supervise
# endpoint on the bottle's internal network, where only the sidecar and this container are.
if [ -n "${BOTTLE_CA_URL:-}" ]; then
  mkdir -p "$HOME/.bottle"
  if ! curl --noproxy '*' -fsS --max-time 10 -o "$ca.part" "$BOTTLE_CA_URL" \
      || ! grep -q -- '-----BEGIN CERTIFICATE-----' "$ca.part"; then
    echo "bottle: could not get the bottle CA certificate from $BOTTLE_CA_URL; the sidecar is not serving (see bottle audit / its log)" >&2
    exit 70
  fi
  mv "$ca.part" "$ca"
  unset BOTTLE_CA_URL
fi
if [ -f "$ca" ]; then
  cat /etc/ssl/certs/ca-certificates.crt "$ca" > /tmp/bottle-ca-bundle.pem
  export SSL_CERT_FILE=/tmp/bottle-ca-bundle.pem CURL_CA_BUNDLE=/tmp/bottle-ca-bundle.pem \
         GIT_SSL_CAINFO=/tmp/bottle-ca-bundle.pem NODE_EXTRA_CA_CERTS="$ca"
fi
exec "$@"
