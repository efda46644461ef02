#!/usr/bin/env bash
# Naming cost: kscope traffic -r on bench/traffic's generated pcap with names from a Kubernetes API (a mock API server
# holding SERVICES services and PODS pods) vs --no-kubernetes vs tshark, in the same run.
# Usage: flock /tmp/kscope-bench.lock bench/services/run.sh [services] [pods]   (default 1000 services, 5000 pods)
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
T=/tmp/svc-bench-$$
PORT=23500
MOCK=
trap '[ -n "$MOCK" ] && kill $MOCK 2>/dev/null; rm -rf $T.*' EXIT

./mvnw -q -B -pl cli -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=$T.cp >/dev/null
CP=$(tr ':' '\n' < $T.cp | grep -v -e 'target/classes' -e 'kscope-[a-z]*-0.1.0-SNAPSHOT.jar' | paste -sd:)
for m in cli core traffic capture containers gadgets kube; do CP="$CP:$m/target/kscope-$m-0.1.0-SNAPSHOT.jar"; done

$JAVA -cp traffic/target/classes bench/traffic/GenHttpPcap.java $T.pcap 1000 30 >/dev/null
$JAVA -cp "$CP" bench/services/MockCluster.java $PORT "${1:-1000}" "${2:-5000}" > $T.mock 2>&1 &
MOCK=$!
until grep -q READY $T.mock 2>/dev/null; do kill -0 $MOCK || { cat $T.mock; exit 1; }; sleep 0.5; done
cat > $T.kubeconfig <<CFG
apiVersion: v1
kind: Config
current-context: bench
clusters: [{name: bench, cluster: {server: "http://127.0.0.1:$PORT"}}]
users: [{name: bench, user: {token: bench}}]
contexts: [{name: bench, context: {cluster: bench, user: bench}}]
CFG
cat $T.pcap > /dev/null # every run reads from the page cache

JVM_FLAGS="-XX:+UseSerialGC -Xmx256m -XX:+UseCompactObjectHeaders"
measure() { # name, command...: prints "name wall_s maxrss_kb cpu_s"
  local name=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o $T.time "$@" > $T.$name.out 2> $T.$name.err
  read -r secs kb user sys < $T.time
  echo "$name $secs $kb $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
}
KSCOPE="$JAVA $JVM_FLAGS -cp $CP dev.kscope.cli.Kscope traffic -r $T.pcap -o json"
# alternate, twice each: the machine is shared
for round in 1 2; do
  N[$round]=$(measure plain$round $KSCOPE --no-kubernetes)
  K[$round]=$(measure named$round $KSCOPE --kubeconfig $T.kubeconfig)
done
S=$(measure tshark tshark -r $T.pcap -Y http -T fields -e ip.src -e ip.dst -e http.request.uri -e http.response.code)

named=$(grep -c '"dst":{[^}]*"service":"svc-' $T.named1.out || true)
echo "$(cat $T.mock | grep READY | cut -d' ' -f2-) in the mock API server; pcap: $(grep -c . $T.plain1.out) messages, $named of them named by service (kscope)"
grep -h 'kscope: warning' $T.named1.err || true
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
analysis() { grep -o 'analyzed in [0-9]* ms' $T.$1.err | grep -o '[0-9]*'; } # in-JVM, from the first packet: startup excluded
printf "%-40s %8s %8s %8s %12s\n" "" "wall s" "CPU s" "RSS MB" "analysis ms"
for round in 1 2; do
  for v in "${N[$round]}" "${K[$round]}"; do
    set -- $v; printf "%-40s %8.2f %8.2f %8.0f %12s\n" "kscope $1 ($( [[ $1 == named* ]] && echo 'names from the API' || echo '--no-kubernetes'))" "$2" "$4" "$(($3 / 1024))" "$(analysis $1)"
  done
done
set -- $S; printf "%-40s %8.2f %8.2f %8.0f\n" "tshark (no names)" "$2" "$4" "$(($3 / 1024))"
awk -v a="${N[1]} ${N[2]}" -v b="${K[1]} ${K[2]}" -v t="$S" 'BEGIN {
  split(a, A, " "); split(b, B, " "); split(t, T, " ");
  nw = (A[2] + A[6]) / 2; kw = (B[2] + B[6]) / 2; nr = (A[3] + A[7]) / 2; kr = (B[3] + B[7]) / 2; nc = (A[4] + A[8]) / 2; kc = (B[4] + B[8]) / 2;
  printf "ratio named/--no-kubernetes: wall %.2fx, CPU %.2fx, RSS %.2fx (+%.0f MB); named kscope vs tshark: wall %.2fx, RSS %.2fx\n",
    kw / nw, kc / nc, kr / nr, (kr - nr) / 1024, kw / T[2], kr / T[3];
}'
