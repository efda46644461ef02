#!/usr/bin/env bash
# What names from the Kubernetes API cost a one-shot `kscope traffic -r SMALL.pcap`: with a kubeconfig pointing at a mock
# API server (fabric8's, bench/services/MockCluster.java: SERVICES services with their EndpointSlices, PODS pods behind
# them, plus the capture's 1,000 client pods) vs --no-kubernetes, each a fresh JVM; the same with an AOT cache trained on
# a named run; optionally an earlier commit's code in the same run (BEFORE=ref, built in a temporary worktree); and, as
# the peer, kubectl fetching the same three lists (get --raw: the mock serves no discovery for `kubectl get pods,...`).
# Usage: flock /tmp/kscope-bench.lock bench/kube/run.sh [services] [pods] [rounds]      (default 50 200 3)
#        BEFORE=eb2621c flock /tmp/kscope-bench.lock bench/kube/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
SERVICES=${1:-50} PODS=${2:-200} ROUNDS=${3:-3}
T=/tmp/kubeoff-bench-$$
PORT=23310 # this area's range (23300-23399)
MOCK=
cleanup() {
  [ -n "$MOCK" ] && kill "$MOCK" 2>/dev/null
  [ -d $T.before ] && git worktree remove --force $T.before 2>/dev/null
  rm -rf $T.*
}
trap cleanup EXIT

classpath() { # repository root -> class path of its CLI, as jars (the AOT cache only takes jars)
  (cd "$1" && ./mvnw -q -B -pl cli -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=$T.cp >/dev/null 2>&1)
  local cp m
  cp=$(tr ':' '\n' < $T.cp | grep -v -e 'target/classes' -e 'kscope-[a-z]*-0.1.0-SNAPSHOT.jar' | paste -sd:)
  for m in cli core traffic capture containers gadgets kube cri; do
    [ -f "$1/$m/target/kscope-$m-0.1.0-SNAPSHOT.jar" ] && cp="$cp:$1/$m/target/kscope-$m-0.1.0-SNAPSHOT.jar"
  done
  echo "$cp"
}
CP=$(classpath "$PWD")
if [ -n "${BEFORE:-}" ]; then
  git worktree add -q --detach $T.before "$BEFORE"
  CP_BEFORE=$(classpath $T.before)
fi

$JAVA -cp traffic/target/classes bench/traffic/GenHttpPcap.java $T.pcap 50 10 >/dev/null   # 50 connections x 10 calls
$JAVA -cp "$CP" bench/services/MockCluster.java $PORT "$SERVICES" "$PODS" > $T.mock 2>&1 &
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
for path in /api/v1/services /apis/discovery.k8s.io/v1/endpointslices /api/v1/pods; do # the mock's first answers are slow
  curl -s -o /dev/null "http://127.0.0.1:$PORT$path"
done

JVM_FLAGS="-XX:+UseSerialGC -Xmx256m -XX:+UseCompactObjectHeaders"
KSCOPE="$JAVA $JVM_FLAGS -cp $CP dev.kscope.cli.Kscope traffic -r $T.pcap -o json"
$JAVA $JVM_FLAGS -XX:AOTCacheOutput=$T.aot -cp "$CP" dev.kscope.cli.Kscope traffic -r $T.pcap -o json --kubeconfig $T.kubeconfig >/dev/null 2>&1
KSCOPE_AOT="$JAVA $JVM_FLAGS -XX:AOTCache=$T.aot -cp $CP dev.kscope.cli.Kscope traffic -r $T.pcap -o json"
kubectl_lists() {
  for path in /api/v1/services /apis/discovery.k8s.io/v1/endpointslices /api/v1/pods; do
    kubectl --kubeconfig $T.kubeconfig get --raw "$path?limit=500" || return 1
  done
}

declare -A WALL CPU RSS N
measure() { # name, command...: accumulates wall s, CPU s (user+sys) and max RSS of one run
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o $T.time "$@" > $T.$name.out 2> $T.$name.err || { echo "$name failed:"; cat $T.$name.err; exit 1; }
  read -r wall user sys kb < $T.time
  WALL[$name]=$(awk -v a="${WALL[$name]:-0}" -v b="$wall" 'BEGIN { print a + b }')
  CPU[$name]=$(awk -v a="${CPU[$name]:-0}" -v u="$user" -v s="$sys" 'BEGIN { print a + u + s }')
  RSS[$name]=$(( ${RSS[$name]:-0} + kb ))
  N[$name]=$(( ${N[$name]:-0} + 1 ))
}
export -f kubectl_lists; export T
VARIANTS=(plain named)
[ -n "${BEFORE:-}" ] && VARIANTS+=(named_before)
VARIANTS+=(plain_aot named_aot kubectl)
for round in $(seq "$ROUNDS"); do # interleaved: the machine is shared
  measure plain $KSCOPE --no-kubernetes
  measure named $KSCOPE --kubeconfig $T.kubeconfig
  [ -n "${BEFORE:-}" ] && measure named_before $JAVA $JVM_FLAGS -cp "$CP_BEFORE" dev.kscope.cli.Kscope traffic -r $T.pcap -o json --kubeconfig $T.kubeconfig
  measure plain_aot $KSCOPE_AOT --no-kubernetes
  measure named_aot $KSCOPE_AOT --kubeconfig $T.kubeconfig
  measure kubectl bash -c kubectl_lists
done

echo "$(grep READY $T.mock | cut -d' ' -f2-) in the mock API server; capture: $(grep -c . $T.plain.out) messages"
for v in named named_before named_aot; do
  [ -f $T.$v.out ] || continue
  echo "  $v: $(grep -c '"dst":{[^}]*"service":"svc-' $T.$v.out || true) messages named by service; warnings: $(grep -c 'kscope: warning' $T.$v.err || true)"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $ROUNDS rounds, means"
declare -A LABEL=([plain]="kscope --no-kubernetes" [named]="kscope --kubeconfig (this code)" [named_before]="kscope --kubeconfig (${BEFORE:-})"
  [plain_aot]="kscope --no-kubernetes, AOT cache" [named_aot]="kscope --kubeconfig, AOT cache" [kubectl]="kubectl get --raw x3 (peer)")
printf "%-38s %8s %8s %8s %14s\n" "" "wall s" "CPU s" "RSS MB" "CPU - plain s"
for v in "${VARIANTS[@]}"; do
  base=plain; [[ $v == *aot ]] && base=plain_aot
  awk -v l="${LABEL[$v]}" -v w="${WALL[$v]}" -v c="${CPU[$v]}" -v r="${RSS[$v]}" -v n="${N[$v]}" -v bc="${CPU[$base]}" -v bn="${N[$base]}" -v k="$v" 'BEGIN {
    extra = (k == "kubectl" || k ~ /^plain/) ? "" : sprintf("%+.2f", c / n - bc / bn);
    printf "%-38s %8.2f %8.2f %8.0f %14s\n", l, w / n, c / n, r / n / 1024, extra }'
done
awk -v nc="${CPU[named]}" -v pc="${CPU[plain]}" -v kc="${CPU[kubectl]}" -v nw="${WALL[named]}" -v pw="${WALL[plain]}" -v n="$ROUNDS" 'BEGIN {
  printf "names cost this code %.2f CPU-s and %.2f s wall; kubectl fetches the same lists with %.2f CPU-s (ratio %.1fx)\n",
    (nc - pc) / n, (nw - pw) / n, kc / n, (nc - pc) / kc }'
if [ -n "${BEFORE:-}" ]; then
  awk -v bc="${CPU[named_before]}" -v pc="${CPU[plain]}" -v nc="${CPU[named]}" -v bw="${WALL[named_before]}" -v nw="${WALL[named]}" -v pw="${WALL[plain]}" -v n="$ROUNDS" 'BEGIN {
    printf "before (%s): names cost %.2f CPU-s and %.2f s wall; after: %.2f CPU-s (%.1fx less), %.2f s wall\n",
      ENVIRON["BEFORE"], (bc - pc) / n, (bw - pw) / n, (nc - pc) / n, (bc - pc) / (nc - pc), (nw - pw) / n }'
fi
