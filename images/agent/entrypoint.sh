#!/bin/bash
# Agent entrypoint: unpacks the launcher's role files into $HOME, trusts the bottle CA for every TLS
# client in the image (the root file system is read-only, so the combined bundle lives in /tmp), waits
# for the sidecar's services, then runs the agent command.
set -euo pipefail
if [ -n "${BOTTLE_FILES:-}" ]; then
  printf '%s' "$BOTTLE_FILES" | base64 -d | tar -x -C "$HOME"
  unset BOTTLE_FILES
fi
ca="$HOME/.bottle/ca.pem"
if [ -f "$ca" ]; then
  cat /etc/ssl/certs/ca-certificates.crt "$ca" > /tmp/bottle-ca-bundle.pem
  export SSL_CERT_FILE=/tmp/bottle-ca-bundle.pem CURL_CA_BUNDLE=/tmp/bottle-ca-bundle.pem \
         GIT_SSL_CAINFO=/tmp/bottle-ca-bundle.pem NODE_EXTRA_CA_CERTS="$ca"
fi
# The launcher starts this container as soon as the sidecar has minted the bottle CA, while the
# sidecar's services may still be binding: the command runs once they all listen, so that its first
# connection is not refused. The sidecar binds its supervise port after every other service, so a
# connection to it is the signal (bash's /dev/tcp: no process per attempt, the CPU is the sidecar's).
# The launcher stops this container if the sidecar fails.
if [ -n "${BOTTLE_SIDECAR_READY:-}" ]; then
  for _ in $(seq 1200); do
    { : < "/dev/tcp/${BOTTLE_SIDECAR_READY%:*}/${BOTTLE_SIDECAR_READY##*:}"; } 2>/dev/null && break
    sleep 0.05
  done
  unset BOTTLE_SIDECAR_READY
fi
exec "$@"
