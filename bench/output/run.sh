#!/usr/bin/env bash
# The traffic output thread's formatting alone, before and after it moved onto core/output, in the same run:
# MessageFormat (the old -o table/json code, compiled from git history) vs MessagePrinter over the same messages.
# Usage: flock /tmp/kscope-bench.lock bench/output/run.sh [connections] [requests-per-connection] [rounds]
#        (default 10000 x 30: 300k HTTP messages, the 10x capture of bench/traffic/run.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
D=/tmp/tout-bench-$$
trap 'rm -rf "$D"' EXIT
mkdir -p "$D/old/dev/kscope/traffic/output" "$D/classes"
BEFORE=eb2621c # the last commit with traffic/output/MessageFormat.java

./mvnw -q -B -pl traffic -am compile dependency:build-classpath -Dmdep.outputFile="$D/cp" >/dev/null
CP="core/target/classes:traffic/target/classes:$(cat "$D/cp")"
git show "$BEFORE:traffic/src/main/java/dev/kscope/traffic/output/MessageFormat.java" > "$D/old/dev/kscope/traffic/output/MessageFormat.java"
"$JAVA_HOME/bin/javac" -nowarn -d "$D/classes" -cp "$CP" "$D/old/dev/kscope/traffic/output/MessageFormat.java"
$JAVA -cp traffic/target/classes bench/traffic/GenHttpPcap.java "$D/http.pcap" "${1:-10000}" "${2:-30}"
R=$($JAVA -XX:+UseSerialGC -Xmx2g -cp "$D/classes:$CP" bench/output/OutputBench.java "$D/http.pcap" "${3:-6}")
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "$R" | awk '{ printf "-o %-6s before %9.0f msg/CPU-s   after %9.0f msg/CPU-s   after/before %.2fx\n", $1, $2, $3, $3 / $2 }'
