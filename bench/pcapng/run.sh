#!/usr/bin/env bash
# The pcapng writers before and after they shared one encoder (core/pcapng/PcapngBlocks), in one JVM with their
# rounds interleaved: time and heap bytes per packet of capture's PcapngWriter (into a channel that drops the bytes:
# encoding and buffering only) and traffic's PcapngWriter (into /dev/null), for 64 and 1400-byte frames, and the
# ratio current/baseline of the median rounds. The peer here is our own baseline, not another tool.
# Usage (from the repository root): bench/pcapng/run.sh [ROUNDS] [PACKETS]; BASE=<git rev> picks the baseline
# (default eb2621c, the last commit with two writers); WRITERS=capture (or traffic) measures one writer alone,
# without the other hot in the same JVM. Run it under the shared lock:
#   flock /tmp/kscope-bench.lock bench/pcapng/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-11} PACKETS=${2:-2000000} BASE=${BASE:-eb2621c}
WORK=/tmp/pcapng-bench
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
rm -rf "$WORK"; mkdir -p "$WORK/base-src" "$WORK/base" "$WORK/current"
trap 'rm -rf "$WORK"' EXIT

# Only the classes the writers reach are compiled (javac -sourcepath), from the baseline's tree and from this one.
git archive "$BASE" core/src/main/java capture/src/main/java traffic/src/main/java | tar -x -C "$WORK/base-src"
compile() { # SOURCE_ROOT OUT: the writers and what they reach, then the harness against them
  "$JAVA_HOME/bin/javac" -nowarn -d "$2" -sourcepath "$1/core/src/main/java:$1/capture/src/main/java:$1/traffic/src/main/java" \
    "$1/capture/src/main/java/dev/kscope/capture/PcapngWriter.java" "$1/traffic/src/main/java/dev/kscope/traffic/pcap/PcapngWriter.java"
  "$JAVA_HOME/bin/javac" -nowarn -d "$2" -cp "$2" bench/pcapng/Harness.java
}
compile "$WORK/base-src" "$WORK/base"
compile . "$WORK/current"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC bench/pcapng/WriterBench.java "$WORK/base" "$WORK/current" "$ROUNDS" "$PACKETS"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
