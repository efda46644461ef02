#!/usr/bin/env bash
# Offline HTTP/1.1 dissection: kscope traffic -r vs tshark on the same generated pcap, in the same run.
# Usage: bench/traffic/run.sh [connections] [requests-per-connection]   (default 1000 x 30 = 126k packets, ~40 MB)
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
PCAP=/tmp/trf-bench-$$.pcap
trap 'rm -f "$PCAP" /tmp/trf-bench-$$.*' EXIT

# Jars (target/, nothing installed): the JVM's AOT cache (JEP 483/515) only takes jars.
./mvnw -q -B -pl cli -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=/tmp/trf-bench-$$.cp >/dev/null
CP=$(tr ':' '\n' < /tmp/trf-bench-$$.cp | grep -v -e 'target/classes' -e 'kscope-[a-z]*-0.1.0-SNAPSHOT.jar' | paste -sd:)
for m in cli core traffic capture containers gadgets kube; do CP="$CP:$m/target/kscope-$m-0.1.0-SNAPSHOT.jar"; done

$JAVA -cp traffic/target/classes bench/traffic/GenHttpPcap.java "$PCAP" "${1:-1000}" "${2:-30}"
# Training run for the AOT cache on a different, smaller capture (classes loaded+linked, method profiles).
$JAVA -cp traffic/target/classes bench/traffic/GenHttpPcap.java /tmp/trf-bench-$$.train.pcap 200 20 >/dev/null
JVM_FLAGS="-XX:+UseSerialGC -Xmx128m -XX:+UseCompactObjectHeaders"
$JAVA $JVM_FLAGS -XX:AOTCacheOutput=/tmp/trf-bench-$$.aot -cp "$CP" dev.kscope.cli.Kscope traffic -r /tmp/trf-bench-$$.train.pcap -o json >/dev/null 2>&1
PACKETS=$(tshark -r "$PCAP" -T fields -e frame.number 2>/dev/null | wc -l)
MB=$(stat -c %s "$PCAP" | awk '{printf "%.1f", $1/1e6}')
cat "$PCAP" > /dev/null # both tools read from the page cache

measure() { # name, command...: prints "name wall_s maxrss_kb cpu_s" and keeps the output
  local name=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o /tmp/trf-bench-$$.time "$@" > /tmp/trf-bench-$$.$name.out 2> /tmp/trf-bench-$$.$name.err
  read -r secs kb user sys < /tmp/trf-bench-$$.time
  echo "$name $secs $kb $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
}

K=$(measure kscope $JAVA $JVM_FLAGS -XX:AOTCache=/tmp/trf-bench-$$.aot -cp "$CP" dev.kscope.cli.Kscope traffic -r "$PCAP" -o json)
B=$(measure table $JAVA $JVM_FLAGS -XX:AOTCache=/tmp/trf-bench-$$.aot -cp "$CP" dev.kscope.cli.Kscope traffic -r "$PCAP")
C=$(measure cold $JAVA $JVM_FLAGS -cp "$CP" dev.kscope.cli.Kscope traffic -r "$PCAP" -o json)
T=$(measure tshark tshark -r "$PCAP" -Y http -T fields -e http.request.method -e http.request.uri -e http.response.code)
WARM=$($JAVA $JVM_FLAGS -cp "$CP" bench/traffic/SteadyState.java "$PCAP" 8)
inproc() { grep -o 'analyzed in [0-9]* ms ([0-9]* packets/s' "$1" | grep -o '[0-9]* packets/s' | cut -d' ' -f1; }
INPROC=$(inproc /tmp/trf-bench-$$.kscope.err)
INPROC_TABLE=$(inproc /tmp/trf-bench-$$.table.err)

echo "pcap: $PACKETS packets, $MB MB, $(wc -l < /tmp/trf-bench-$$.kscope.out) kscope messages ($(($(wc -l < /tmp/trf-bench-$$.table.out) - 1)) table rows), $(grep -c . /tmp/trf-bench-$$.tshark.out) tshark HTTP rows"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (wall-clock figures suffer when the machine is busy; CPU-time figures less)"
awk -v warm="$WARM" -v k="$K" -v b="$B" -v inproctable="$INPROC_TABLE" -v c="$C" -v t="$T" -v p="$PACKETS" -v mb="$MB" -v inproc="$INPROC" 'BEGIN {
  split(k, K, " "); split(b, B, " "); split(c, C, " "); split(t, T, " ");
  kp = p / K[2]; tp = p / T[2]; kc = p / K[4]; tc = p / T[4];
  printf "%-27s %10s %8s %12s %8s %8s %8s\n", "", "packets/s", "MB/s", "pkts/CPU-s", "RSS MB", "wall s", "CPU s";
  printf "%-27s %10.0f %8.1f %12.0f %8.0f %8.2f %8.2f\n", "kscope (whole process)", kp, mb / K[2], kc, K[3] / 1024, K[2], K[4];
  printf "%-27s %10.0f %8.1f %12.0f %8.0f %8.2f %8.2f\n", "kscope -o table (default)", p / B[2], mb / B[2], p / B[4], B[3] / 1024, B[2], B[4];
  printf "%-27s %10.0f %8.1f %12.0f %8.0f %8.2f %8.2f\n", "kscope without AOT cache", p / C[2], mb / C[2], p / C[4], C[3] / 1024, C[2], C[4];
  printf "%-27s %10.0f %8.1f\n", "kscope (analysis, in-JVM)", inproc, mb * inproc / p;
  printf "%-27s %10.0f %8.1f\n", "kscope -o table (in-JVM)", inproctable, mb * inproctable / p;
  printf "%-27s %10.0f %8.1f\n", "kscope (warm, steady state)", warm, mb * warm / p;
  printf "%-27s %10.0f %8.1f %12.0f %8.0f %8.2f %8.2f\n", "tshark", tp, mb / T[2], tc, T[3] / 1024, T[2], T[4];
  printf "ratio kscope/tshark: packets/s %.1fx (whole process), %.1fx (analysis), %.1fx (warm); per CPU-second %.1fx; RSS %.2fx\n", kp / tp, inproc / tp, warm / tp, kc / tc, K[3] / T[3];
}'
