#!/bin/bash
# Sidecar entrypoint: writes the launcher's files (config.json and friends; never tokens, which
# arrive as environment variables) into the /run/bottle tmpfs, then runs the sidecar JVM.
set -euo pipefail
if [ -n "${BOTTLE_FILES:-}" ]; then
  printf '%s' "$BOTTLE_FILES" | base64 -d | tar -x -C /run/bottle
  unset BOTTLE_FILES
fi
main="${BOTTLE_SIDECAR_MAIN:-$(cat /opt/bottle/app/main-class)}"
# Small heap, serial GC and a capped code cache keep an idle sidecar well under 100 MB RSS.
exec /opt/bottle/jre/bin/java -XX:+UseSerialGC -Xms16m -Xmx96m -Xss512k -XX:ReservedCodeCacheSize=32m \
     -XX:MaxMetaspaceSize=96m --enable-native-access=ALL-UNNAMED \
     -cp "$(cat /opt/bottle/app/classpath)" $main "$@"
