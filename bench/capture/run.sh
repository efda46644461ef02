#!/usr/bin/env bash
# kscope capture vs tcpdump -w: UDP floods between two network namespaces joined by a veth pair.
# Usage (root, from the repository root): bench/capture/run.sh [SECONDS_PER_RUN]
# For each payload (64, 1400 bytes) and sender count (1, 2): the senders' rate untraced, then with
# tcpdump (default buffer), tcpdump -B 131072, and kscope (default settings) capturing the receiving end.
# WARMUP_SECS (default 2): seconds of the same flood before measuring, so the JIT has compiled kscope's hot path.
# KSCOPE_OPTS adds options to kscope (e.g. "-B 8192"), KSCOPE_JVM_OPTS replaces its JVM flags (default -XX:+UseSerialGC, as the launcher). Prints packets/s captured, drop %, sender rate, the capturing
# process's CPU (% of one core) and its CPU time per captured packet, and the load average before and after.
# Run it under the shared lock: flock /tmp/kscope-bench.lock bench/capture/run.sh 5
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-5}
WORK=/tmp/cap2-bench
NS_A=cap2bencha NS_B=cap2benchb IF_A=cap2a0 IF_B=cap2b0 IP_A=10.77.99.1 IP_B=10.77.99.2 PORT=21099
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
mkdir -p "$WORK"

cleanup() { ip netns del $NS_A 2>/dev/null || true; ip netns del $NS_B 2>/dev/null || true; rm -f "$WORK"/*.pcap*; }
trap cleanup EXIT
cleanup

gcc -O2 -o "$WORK/udpflood" bench/capture/udpflood.c
./mvnw -q -B -pl cli -am package -DskipTests dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
KSCOPE=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${KSCOPE_JVM_OPTS:--XX:+UseSerialGC} -cp "$(cat "$WORK/cp.txt"):cli/target/kscope-cli-0.1.0-SNAPSHOT.jar" dev.kscope.cli.Kscope)

ip netns add $NS_A; ip netns add $NS_B
ip link add $IF_A netns $NS_A type veth peer name $IF_B netns $NS_B
ip -n $NS_A addr add $IP_A/24 dev $IF_A; ip -n $NS_B addr add $IP_B/24 dev $IF_B
ip -n $NS_A link set $IF_A up; ip -n $NS_B link set $IF_B up
ip netns exec $NS_A sysctl -qw net.ipv4.icmp_ratelimit=1000

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CLK=$(getconf CLK_TCK)

# flood PAYLOAD SENDERS -> total packets/s of the senders
flood() {
  local pids=() total=0
  for ((s = 0; s < $2; s++)); do ip netns exec $NS_B "$WORK/udpflood" $IP_A $PORT "$1" "$SECS" > "$WORK/sent.$s" & pids+=($!); done
  wait "${pids[@]}"
  for ((s = 0; s < $2; s++)); do total=$((total + $(cat "$WORK/sent.$s"))); done
  echo $((total / SECS))
}

# counts ERRFILE N -> "captured received dropped" from the Nth-last statistics report in ERRFILE
counts() {
  local c r d
  # tcpdump prints "tcpdump: N packets captured, N packets received by filter, ..." on one line for SIGUSR1
  c=$(grep -oE "[0-9]+ packets? captured" "$1" | tail -n "$2" | head -1 | cut -d" " -f1)
  r=$(grep -oE "[0-9]+ packets? received by filter" "$1" | tail -n "$2" | head -1 | cut -d" " -f1)
  d=$(grep -oE "[0-9]+ packets? dropped by kernel" "$1" | tail -n "$2" | head -1 | cut -d" " -f1)
  echo "${c:-0} ${r:-0} ${d:-0}"
}

# stats_of TOOL PID -> counters after the warm-up (both tools print them on SIGUSR1)
stats_of() {
  if [[ ${WARMUP:-1} != 1 ]]; then echo "0 0 0"; return; fi
  kill -USR1 "$2"; sleep 0.5
  counts "$WORK/err" 1
}

# run TOOL PAYLOAD SENDERS -> "captured/s drop% sender/s cpu% cpu-µs/packet"
run() {
  local tool=$1 payload=$2 senders=$3 pid err="$WORK/err"
  rm -f "$WORK"/*.pcap*
  case $tool in
    tcpdump)      ip netns exec $NS_A tcpdump -i $IF_A -w "$WORK/t.pcap" udp 2> "$err" & pid=$! ;;
    tcpdump-B128) ip netns exec $NS_A tcpdump -i $IF_A -B 131072 -w "$WORK/t.pcap" udp 2> "$err" & pid=$! ;;
    kscope)       "${KSCOPE[@]}" capture ${KSCOPE_OPTS:-} --netns /run/netns/$NS_A -i $IF_A -w "$WORK/k.pcapng" udp 2> "$err" & pid=$! ;;
  esac
  for _ in $(seq 100); do grep -qE "listening on|capturing on" "$err" && break; sleep 0.1; done
  if ! kill -0 $pid 2>/dev/null; then echo "$tool ended before the flood: $(tr '\n' ' ' < "$err")" >&2; echo "0 0 0 0 0"; return; fi
  if [[ ${WARMUP:-1} == 1 ]]; then # WARMUP_SECS (2) of the same flood first, so the JIT has compiled kscope's hot path; tcpdump gets it too
    SECS=${WARMUP_SECS:-2} flood "$payload" "$senders" > /dev/null; sleep 1
  fi
  local c0; c0=$(cpu_ticks $pid)
  local s0; s0=$(stats_of $tool $pid)
  local rate; rate=$(flood "$payload" "$senders")
  sleep 1
  if ! kill -0 $pid 2>/dev/null; then echo "$tool ended during the flood: $(tr '\n' ' ' < "$err")" >&2; echo "0 0 0 0 0"; return; fi
  local c1; c1=$(cpu_ticks $pid)
  kill -INT $pid; wait $pid || true
  local captured received dropped
  read -r captured received dropped <<< "$(counts "$err" 1)"
  read -r c_w r_w d_w <<< "$s0"
  captured=$((captured - c_w)); received=$((received - r_w)); dropped=$((dropped - d_w))
  local cpu=$(( (c1 - c0) * 100 / CLK / SECS ))
  local droppct; droppct=$(awk -v d="$dropped" -v r="$received" 'BEGIN { printf "%.1f", (r > 0 ? 100 * d / r : 0) }')
  local us; us=$(awk -v t=$((c1 - c0)) -v hz="$CLK" -v n="$captured" 'BEGIN { printf "%.2f", (n > 0 ? t / hz * 1e6 / n : 0) }')
  echo "$((captured / SECS)) $droppct $rate $cpu $us"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-8s %-7s %-13s %12s %8s %12s %6s %8s\n" payload senders tool captured/s drop% sender/s cpu% µs/pkt
for payload in ${PAYLOADS:-64 1400}; do
  for senders in ${SENDERS:-1 2}; do
    base=$(flood $payload $senders)
    printf "%-8s %-7s %-13s %12s %8s %12s %6s\n" $payload $senders untraced - - "$base" -
    declare -A res=()
    for tool in tcpdump tcpdump-B128 kscope; do
      res[$tool]=$(run $tool $payload $senders)
      read -r cap drop rate cpu us <<< "${res[$tool]}"
      printf "%-8s %-7s %-13s %12s %8s %12s %6s %8s\n" $payload $senders $tool "$cap" "$drop" "$rate" "$cpu" "$us"
    done
    read -r tc td _ _ tu <<< "${res[tcpdump]}"; read -r _ bd _ _ bu <<< "${res[tcpdump-B128]}"; read -r kc kd _ _ ku <<< "${res[kscope]}"
    awk -v k="$kc" -v t="$tc" -v kd="$kd" -v td="$td" -v bd="$bd" -v ku="$ku" -v tu="$tu" -v bu="$bu" 'BEGIN {
      printf "  kscope/tcpdump captured/s: %.2f   drops: kscope %s%%, tcpdump %s%%, tcpdump -B 131072 %s%%   CPU/packet: kscope/tcpdump %.2f, kscope/tcpdump -B 131072 %.2f\n",
        (t > 0 ? k / t : 0), kd, td, bd, (tu > 0 ? ku / tu : 0), (bu > 0 ? ku / bu : 0) }'
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
