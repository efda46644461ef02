#!/usr/bin/env bash
# The pcapng writers before and after they shared one encoder (core/pcapng/PcapngBlocks), in the same run:
# time and heap bytes per packet of capture's PcapngWriter (into a channel that drops the bytes: encoding and
# buffering only) and traffic's PcapngWriter (into /dev/null), for 64 and 1400-byte frames, baseline then current,
# twice, and the ratios current/baseline. The peer here is our own baseline, not another tool.
# Usage (from the repository root): bench/pcapng/run.sh [ROUNDS] [PACKETS]; BASE=<git rev> picks the baseline
# (default eb2621c, the last commit with two writers). Run it under the shared lock:
#   flock /tmp/kscope-bench.lock bench/pcapng/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-5} PACKETS=${2:-5000000} BASE=${BASE:-eb2621c}
WORK=/tmp/pcapng-bench
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
rm -rf "$WORK"; mkdir -p "$WORK/base-src" "$WORK/base" "$WORK/current"
trap 'rm -rf "$WORK"' EXIT

# Only the classes the writers reach are compiled (javac -sourcepath), from the baseline's tree and from this one.
git archive "$BASE" core/src/main/java capture/src/main/java traffic/src/main/java | tar -x -C "$WORK/base-src"
compile() { # SOURCE_ROOT OUT
  "$JAVA_HOME/bin/javac" -nowarn -d "$2" -sourcepath "$1/core/src/main/java:$1/capture/src/main/java:$1/traffic/src/main/java" \
    "$1/capture/src/main/java/dev/kscope/capture/PcapngWriter.java" "$1/traffic/src/main/java/dev/kscope/traffic/pcap/PcapngWriter.java"
}
compile "$WORK/base-src" "$WORK/base"
compile . "$WORK/current"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in 1 2; do
  for tree in base current; do
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -cp "$WORK/$tree" bench/pcapng/WriterBench.java "$ROUNDS" "$PACKETS" \
      | sed "s/^/$tree  /" | tee "$WORK/$tree.$run"
  done
  paste "$WORK/base.$run" "$WORK/current.$run" | awk '{ printf "  %s %s B: time current/base %.2f, heap bytes/packet %s -> %s\n", $2, $3, $14 / $5, $7, $16 }'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
