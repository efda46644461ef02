#!/usr/bin/env bash
# Exec storms in pods on the real node, traced with and without container enrichment and pod filters (issue 4).
# Usage: sudo bench/containers/exec-in-pods.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/java.sh
mkdir -p /tmp/ksb
gcc -O2 -static -o /tmp/ksb/execstorm bench/exec/execstorm.c
./mvnw -q -B -DskipTests -pl bench -am package dependency:build-classpath -Dmdep.outputFile=/tmp/ksb/cp.txt >/dev/null
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  -cp "bench/target/classes:$(cat /tmp/ksb/cp.txt)" dev.kscope.bench.ExecInPods "${1:-5}" /tmp/ksb/execstorm
