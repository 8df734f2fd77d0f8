#!/bin/bash
# Agent entrypoint: unpacks the launcher's role files into $HOME, trusts the bottle CA for every TLS
# client in the image (the root file system is read-only, so the combined bundle lives in /tmp), then
# runs the agent command.
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
exec "$@"
