#!/usr/bin/env bash
# Live traffic analysis under load (issue 6): HTTP/1.1 between two pods on the real node at a fixed rate, analyzed
# live by kscope traffic (-o json, DuckDB history and packet spool on, -Xmx256m), then captured by tshark in the
# server pod's netns under the same load, in the same run. Prints both tools' message counts, drops, heap/RSS/CPU
# and the ratios. Run it under the shared lock:  flock /tmp/kscope-bench.lock bench/traffic/live.sh
# Usage: sudo bench/traffic/live.sh [RATE] [SECONDS] [CONNECTIONS]     (default 10000 requests/s, 10 s, 8 connections)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/java.sh
D=/tmp/live-bench
mkdir -p "$D"
gcc -O2 -static -pthread -o "$D/livehttpd" bench/traffic/live/livehttpd.c
gcc -O2 -static -pthread -o "$D/liveload" bench/traffic/live/liveload.c
# one build: kscope as installed (cli/target/kscope, its launcher), the driver from bench's class path
./mvnw -q -B -DskipTests -pl cli,bench -am package dependency:build-classpath "-Dmdep.outputFile=$D/cp-\${project.artifactId}.txt" > "$D/build.log" || { cat "$D/build.log"; exit 1; }
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -cp "bench/target/classes:$(cat "$D/cp-kscope-bench.txt")" \
  dev.kscope.bench.LiveTraffic "${1:-10000}" "${2:-10}" "${3:-8}" "$D" "$PWD/cli/target/kscope/bin/kscope"
