#!/usr/bin/env bash
# Start-up time of kscope commands: two kscope installations (before, after) and the peer tool where there is one,
# measured in the same run, interleaved.
#
# Usage (root, on a machine shared with others: under the bench lock):
#   flock /tmp/kscope-bench.lock bench/startup/run.sh [--runs N] [--launches M] BEFORE AFTER
# BEFORE and AFTER are installation directories (bin/kscope, lib/, lib/kscope.aot), e.g. /opt/kscope and one made
# with `./install.sh --no-build /tmp/start-after` (which trains its own AOT cache and links nothing).
#
# Prints, per command, the median wall and CPU (user+sys) time in ms of N runs (default 15), the min-max of the
# wall times, then launch -> first event of `trace exec` of both and bpftrace (bench/startup/launch.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=15 launches=7
while [ $# -gt 2 ]; do
  case $1 in --runs) runs=$2; shift 2 ;; --launches) launches=$2; shift 2 ;; *) break ;; esac
done
[ $# -eq 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
before=$1 after=$2
for d in "$before" "$after"; do
  [ -x "$d/bin/kscope" ] || { echo "run.sh: $d/bin/kscope not found (give installation directories, e.g. /opt/kscope)" >&2; exit 2; }
done
command -v tshark >/dev/null || { echo "run.sh: tshark not found (apt-get install tshark)" >&2; exit 2; }
. scripts/java.sh
pcap=$(mktemp /tmp/start-bench-XXXXXX.pcap)
trap 'rm -f "$pcap"' EXIT
# 2 HTTP calls on one connection: 14 packets, so that what is measured is the fixed cost
"$JAVA_HOME/bin/java" -cp "$after/lib/*" bench/traffic/GenHttpPcap.java "$pcap" 1 2 >/dev/null

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'command\twall ms (median)\tCPU ms (median)\twall min-max\n'
cmds=()
for c in "--version" "ps" "traffic -r $pcap -o json"; do
  cmds+=("before: kscope $c|$before/bin/kscope $c" "after:  kscope $c|$after/bin/kscope $c")
done
cmds+=("peer:   tshark -r SMALL.pcap|tshark -r $pcap")
python3 bench/startup/measure.py "$runs" "${cmds[@]}" | sed "s|$pcap|SMALL.pcap|"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "launch -> first event of trace exec (before = $before, after = $after):"
python3 bench/startup/launch.py --runs "$launches" "$before/bin/kscope" "$after/bin/kscope"
