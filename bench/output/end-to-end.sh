#!/usr/bin/env bash
# kscope traffic -r (10x capture) -o json and -o table, end to end, this tree vs a checkout from before traffic printed
# through core/output, alternating, 3 rounds: wall, CPU (user+sys) and the in-JVM analysis time of each run.
# Usage: flock /tmp/kscope-bench.lock bench/output/end-to-end.sh [BASE_DIR]
#   BASE_DIR (default /tmp/tout-base) is made here when missing: git archive eb2621c, compiled.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
BASE=${1:-/tmp/tout-base}
D=/tmp/tout-e2e-$$
trap 'rm -rf "$D"' EXIT
mkdir -p "$D"
if [ ! -d "$BASE/cli/target/classes" ]; then
  mkdir -p "$BASE" && git archive eb2621c | tar -x -C "$BASE"
  (cd "$BASE" && ./mvnw -q -B -pl cli -am compile >/dev/null)
fi
./mvnw -q -B -pl cli -am compile dependency:build-classpath "-Dmdep.outputFile=$D/cp-\${project.artifactId}.txt" >/dev/null
NEW="$(cat "$D/cp-kscope-cli.txt"):$PWD/cli/target/classes"
OLD=$(echo "$NEW" | sed "s#$PWD/#$BASE/#g")
$JAVA -cp traffic/target/classes bench/traffic/GenHttpPcap.java "$D/http.pcap" 10000 30
run() { # name classpath format
  /usr/bin/time -f "%e %U %S" -o "$D/time" $JAVA -XX:+UseSerialGC -Xmx128m -XX:+UseCompactObjectHeaders -cp "$2" \
    dev.kscope.cli.Kscope traffic -r "$D/http.pcap" -o "$3" > /dev/null 2> "$D/err"
  read -r wall user sys < "$D/time"
  echo "$1 $3 $wall $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $(grep -o 'analyzed in [0-9]*' "$D/err" | grep -o '[0-9]*$')"
}
{ for i in 1 2 3; do for f in json table; do run before "$OLD" $f; run after "$NEW" $f; done; done; } | tee "$D/runs"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
awk '{ w[$1" "$2] += $3; c[$1" "$2] += $4; a[$1" "$2] += $5; n[$1" "$2]++ }
  END { for (f in w) if (f ~ /^after/) { split(f, k, " "); b = "before " k[2];
    printf "-o %-5s mean of %d: wall %.2f s -> %.2f s, CPU %.2f s -> %.2f s (after/before %.2fx), analysis %.0f ms -> %.0f ms\n",
      k[2], n[f], w[b] / n[b], w[f] / n[f], c[b] / n[b], c[f] / n[f], (c[f] / n[f]) / (c[b] / n[b]), a[b] / n[b], a[f] / n[f] } }' "$D/runs"
