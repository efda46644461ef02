#!/usr/bin/env bash
# Offline HTTP/1.1 dissection: kscope traffic -r vs tshark on the same generated pcap, in the same run.
# kscope runs as users run it: the installed launcher (its JVM flags, the AOT cache install.sh trains), in a private prefix.
#
# Usage: bench/traffic/run.sh [SIZE...]     SIZE = CONNECTIONSxREQUESTS, default: 1000x30 10000x30
#   1000x30  = 126,000 packets, 44 MB: the size of the issue's tshark measurement
#   10000x30 = 1,260,000 packets, 440 MB: a large capture
# Per size: tshark's three fields; kscope with the same three fields (-o custom-columns), its default table and the
# full dissection as JSON Lines (every header and body preview); once: the analyzer's steady state (warm JVM).
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
W=/tmp/trf-bench-$$
mkdir -p $W
trap 'rm -rf $W' EXIT
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000x30 10000x30)

./mvnw -q -B -DskipTests package dependency:build-classpath -pl cli -am -Dmdep.outputFile=$W/cp >/dev/null
./install.sh --no-build $W/kscope >/dev/null
KSCOPE=$W/kscope/bin/kscope
FIELDS='METHOD:.http.method,URI:.http.url,CODE:.http.status'

measure() { # name, command...: prints "name wall_s maxrss_kb cpu_s"; keeps stdout in $W/name.out, stderr in $W/name.err
  local name=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o $W/time "$@" > $W/$name.out 2> $W/$name.err
  read -r secs kb user sys < $W/time
  echo "$name $secs $kb $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
}

echo "kscope $($KSCOPE --version), $(tshark --version 2>/dev/null | head -1)"
for size in "${SIZES[@]}"; do
  PCAP=$W/http-$size.pcap
  $JAVA -cp traffic/target/classes bench/traffic/GenHttpPcap.java "$PCAP" "${size%x*}" "${size#*x}" >/dev/null
  PACKETS=$(capinfos -c -M "$PCAP" | awk '/Number of packets/ {print $NF}')
  MB=$(stat -c %s "$PCAP" | awk '{printf "%.1f", $1/1e6}')
  cat "$PCAP" > /dev/null # every tool reads from the page cache
  T=$(measure tshark tshark -r "$PCAP" -Y http -T fields -e http.request.method -e http.request.uri -e http.response.code)
  F=$(measure fields $KSCOPE traffic -r "$PCAP" -o custom-columns=$FIELDS)
  B=$(measure table $KSCOPE traffic -r "$PCAP")
  J=$(measure json $KSCOPE traffic -r "$PCAP" -o json)
  echo
  echo "== $size: $PACKETS packets, $MB MB; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
  echo "   rows: tshark $(grep -c . $W/tshark.out) (a request and a response each), kscope $(($(wc -l < $W/fields.out) - 1)) calls"
  awk -v t="$T" -v f="$F" -v b="$B" -v j="$J" -v p="$PACKETS" -v mb="$MB" 'BEGIN {
    split(t, T, " ");
    printf "   %-34s %10s %8s %8s %8s %8s %14s %9s\n", "", "packets/s", "MB/s", "wall s", "CPU s", "RSS MB", "vs tshark", "RSS ratio";
    n = split(f "|" b "|" j "|" t, rows, "|");
    label["fields"] = "kscope -o custom-columns (3 fields)"; label["table"] = "kscope, default table";
    label["json"] = "kscope -o json (full dissection)"; label["tshark"] = "tshark -T fields (3 fields)";
    for (i = 1; i <= n; i++) {
      split(rows[i], R, " ");
      printf "   %-34s %10.0f %8.1f %8.2f %8.2f %8.0f %13.1fx %8.2fx\n", label[R[1]], p / R[2], mb / R[2], R[2], R[4], R[3] / 1024, T[2] / R[2], R[3] / T[3];
    }
  }'
done
SMALL=$W/http-${SIZES[0]}.pcap
WARM=$($JAVA -XX:+UseSerialGC -cp "traffic/target/classes:core/target/classes:$(cat $W/cp)" bench/traffic/SteadyState.java "$SMALL" 10)
echo
echo "warm, best of 10 passes over ${SIZES[0]} in one JVM: ${WARM% *} packets/s with JSON formatting on the same thread, ${WARM#* } packets/s analysis alone"
