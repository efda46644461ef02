#!/bin/sh
# Time-to-request of `debug POD` (GET the pod, PATCH pods/POD/ephemeralcontainers, exit; no attach):
# kscope (plain JVM, and with a JDK 25 AOT cache as a launcher could ship) vs kubectl, against the same
# fake API server, N runs each, interleaved; prints medians and ratios.
# Usage: bench/debug/run.sh [N]   (from the repository root; needs kubectl 1.27+ and python3 on PATH)
set -eu
N=${1:-15}
PORT=20100
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/debug-bench.XXXXXX)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM

cd "$ROOT"
./mvnw -q -B -pl cli -am compile dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" -Dmdep.includeScope=runtime >/dev/null
# AOT caches (like CDS) need jars, not class directories.
for d in "$ROOT"/*/target/classes; do
  m=$(basename "$(dirname "$(dirname "$d")")")
  mkdir -p "$WORK/empty"
  if [ -n "$(ls -A "$d")" ]; then "$JAVA_HOME/bin/jar" cf "$WORK/$m.jar" -C "$d" .; else "$JAVA_HOME/bin/jar" cf "$WORK/$m.jar" -C "$WORK/empty" .; fi
done
CP="$WORK/cli.jar:$(sed -E "s#$ROOT/([a-z]+)/target/classes#$WORK/\\1.jar#g" "$WORK/cp.txt")"

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

# kscope JVM_OPTION CONTAINER_NAME
kscope() { "$JAVA" "$1" -cp "$CP" dev.kscope.cli.Kscope debug web --image busybox:1.36 --profile general --kubeconfig "$WORK/kubeconfig" -q -c "$2"; }
kscope -XX:AOTCacheOutput="$WORK/kscope.aot" training >"$WORK/training.log" 2>&1 || { cat "$WORK/training.log"; exit 1; }

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

i=0
while [ $i -lt "$N" ]; do
  t0=$(now); kscope -Xshare:auto "p$i" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  t1=$(now); kscope -XX:AOTCache="$WORK/kscope.aot" "a$i" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  t2=$(now); kubectl --kubeconfig "$WORK/kubeconfig" --cache-dir "$WORK/cache" debug web --image busybox:1.36 -c "k$i" --profile general -q \
      >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  t3=$(now)
  ms "$t0" "$t1" >> "$WORK/plain.ms"; ms "$t1" "$t2" >> "$WORK/aot.ms"; ms "$t2" "$t3" >> "$WORK/kubectl.ms"
  i=$((i + 1))
done
P=$(median < "$WORK/plain.ms"); A=$(median < "$WORK/aot.ms"); C=$(median < "$WORK/kubectl.ms")
echo "debug POD (GET pod + PATCH ephemeralcontainers, no attach), $N runs each, median wall time per command:"
echo "  kscope            : ${P} ms  ($("$JAVA" -version 2>&1 | head -1))"
echo "  kscope, AOT cache : ${A} ms"
echo "  kubectl           : ${C} ms  ($(kubectl version --client 2>/dev/null | head -1))"
awk -v p="$P" -v a="$A" -v c="$C" 'BEGIN {printf "  ratio kscope/kubectl: %.1f (plain), %.1f (AOT cache)\n", p / c, a / c}'
echo "  machine load: $(cut -d' ' -f1-3 /proc/loadavg)"
