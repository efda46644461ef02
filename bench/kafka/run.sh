#!/usr/bin/env bash
# Offline Kafka dissection: kscope traffic -r vs tshark's Kafka dissector on the same generated pcap, same run.
# Usage: flock /tmp/kscope-bench.lock bench/kafka/run.sh [connections] [calls-per-connection]   (default 1000 x 30)
# Versions Wireshark 4.0 decodes in full (Produce v8, Fetch v11), so both tools read every field they show.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
TMP=/tmp/kfk-bench-$$
trap 'rm -f $TMP.*' EXIT

./mvnw -q -B -pl cli -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=$TMP.cp >/dev/null
CP=$(tr ':' '\n' < $TMP.cp | grep -v -e 'target/classes' -e 'kscope-[a-z]*-0.1.0-SNAPSHOT.jar' | paste -sd:)
for m in cli core traffic capture containers gadgets kube; do CP="$CP:$m/target/kscope-$m-0.1.0-SNAPSHOT.jar"; done

$JAVA -cp traffic/target/classes bench/kafka/GenKafkaPcap.java $TMP.pcap "${1:-1000}" "${2:-30}"
$JAVA -cp traffic/target/classes bench/kafka/GenKafkaPcap.java $TMP.train.pcap 100 20 >/dev/null
FLAGS="-XX:+UseSerialGC -Xmx128m -XX:+UseCompactObjectHeaders"
$JAVA $FLAGS -XX:AOTCacheOutput=$TMP.aot -cp "$CP" dev.kscope.cli.Kscope traffic -r $TMP.train.pcap -o json >/dev/null 2>&1
PACKETS=$(tshark -r $TMP.pcap -T fields -e frame.number 2>/dev/null | wc -l)
cat $TMP.pcap > /dev/null # both read from the page cache

run() { # name command…: "wall_s maxrss_kb cpu_s"
  local name=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o $TMP.time "$@" > $TMP.$name.out 2>/dev/null
  awk '{ print $1, $2, $3 + $4 }' $TMP.time
}
K=$(run kscope $JAVA $FLAGS -XX:AOTCache=$TMP.aot -cp "$CP" dev.kscope.cli.Kscope traffic -r $TMP.pcap -o json)
T=$(run tshark tshark -r $TMP.pcap -d tcp.port==9092,kafka -Y kafka -T fields -e kafka.api_key -e kafka.correlation_id -e kafka.topic_name -e kafka.error)
WARM=$($JAVA $FLAGS -cp "$CP" bench/traffic/SteadyState.java $TMP.pcap 8)

echo "pcap: $PACKETS packets, $(stat -c %s $TMP.pcap | awk '{printf "%.1f", $1/1e6}') MB; $(wc -l < $TMP.kscope.out) kscope messages (request+response each), $(grep -c . $TMP.tshark.out) tshark Kafka rows (one per request, one per response)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
awk -v k="$K" -v t="$T" -v p="$PACKETS" -v warm="$WARM" 'BEGIN {
  split(k, K, " "); split(t, T, " ");
  printf "%-26s %10s %12s %8s %8s %8s\n", "", "packets/s", "pkts/CPU-s", "RSS MB", "wall s", "CPU s";
  printf "%-26s %10.0f %12.0f %8.0f %8.2f %8.2f\n", "kscope (whole process)", p / K[1], p / K[3], K[2] / 1024, K[1], K[3];
  printf "%-26s %10.0f\n", "kscope (warm, in-JVM)", warm;
  printf "%-26s %10.0f %12.0f %8.0f %8.2f %8.2f\n", "tshark", p / T[1], p / T[3], T[2] / 1024, T[1], T[3];
  printf "ratio kscope/tshark: packets/s %.1fx (whole process), %.1fx (warm); per CPU-second %.1fx; RSS %.2fx\n",
         T[1] / K[1], warm / (p / T[1]), T[3] / K[3], K[2] / T[2];
}'
