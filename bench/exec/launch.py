#!/usr/bin/env python3
"""Launch to first event, kscope trace exec vs bpftrace, interleaved launches in the same run.

Usage (root): bench/exec/launch.py [--runs 7] [--kscope kscope]
Each launch starts the tracer and fires a marker exec every 2 ms until one shows in its output (bench.py's method);
prints every launch, the median of each tool and the ratio.
"""
import argparse, os, statistics, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import launch_times, tracers  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--kscope", default="kscope")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("launch.py: run as root (tracers need CAP_BPF)")
    times = launch_times(tracers(a.kscope), a.runs, "exec-launch-")
    for name, ms in times.items():
        print(f"{name:9} launch→first event ms: median {statistics.median(ms):4.0f}  runs {' '.join(f'{x:.0f}' for x in ms)}")
    k, b = statistics.median(times["kscope"]), statistics.median(times["bpftrace"])
    print(f"ratio kscope/bpftrace: {k / b:.2f}x   (load average {open('/proc/loadavg').read().split()[0]})")


if __name__ == "__main__":
    main()
