#!/bin/sh
# Time-to-request of `debug POD` (GET the pod, PATCH pods/POD/ephemeralcontainers, exit; no attach):
# kscope vs kubectl, against the same fake API server, N runs each, medians and ratio.
# Usage: bench/debug/run.sh [N]   (from the repository root; needs kubectl 1.27+ and python3 on PATH)
set -eu
N=${1:-15}
PORT=20100
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/debug-bench.XXXXXX)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT INT TERM

cd "$ROOT"
./mvnw -q -B -pl cli -am compile dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" -Dmdep.includeScope=runtime >/dev/null
CP=$(ls -d "$ROOT"/*/target/classes | tr '\n' ':')$(cat "$WORK/cp.txt")

python3 "$ROOT/bench/debug/fake-apiserver.py" $PORT & SERVER=$!
cat > "$WORK/kubeconfig" <<KC
apiVersion: v1
kind: Config
current-context: bench
clusters: [{name: bench, cluster: {server: "http://127.0.0.1:$PORT"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: bench, context: {cluster: bench, user: u, namespace: shop}}]
KC
sleep 1

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

: > "$WORK/kscope.ms"; : > "$WORK/kubectl.ms"
i=0
while [ $i -lt "$N" ]; do
  t0=$(now)
  "$JAVA_HOME/bin/java" -cp "$CP" dev.kscope.cli.Kscope debug web --image busybox:1.36 -c "k$i" --profile general \
      --kubeconfig "$WORK/kubeconfig" -q >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  t1=$(now)
  kubectl --kubeconfig "$WORK/kubeconfig" --cache-dir "$WORK/cache" debug web --image busybox:1.36 -c "c$i" --profile general -q \
      >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  t2=$(now)
  echo $(( (t1 - t0) / 1000000 )) >> "$WORK/kscope.ms"
  echo $(( (t2 - t1) / 1000000 )) >> "$WORK/kubectl.ms"
  i=$((i + 1))
done
K=$(median < "$WORK/kscope.ms"); C=$(median < "$WORK/kubectl.ms")
echo "debug POD (GET + PATCH ephemeralcontainers), $N runs each, median wall time per command:"
echo "  kscope : ${K} ms   (JVM, $(java -version 2>&1 | head -1))"
echo "  kubectl: ${C} ms   ($(kubectl version --client 2>/dev/null | head -1))"
awk -v k="$K" -v c="$C" 'BEGIN {printf "  ratio kscope/kubectl: %.2f\n", k / c}'
