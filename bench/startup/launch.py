#!/usr/bin/env python3
"""Launch to first event of `trace exec`: two kscope installations and bpftrace, launched in turn (A B bpftrace A B
bpftrace ...) so that the machine's load changes hit all three alike. bench/exec/launch.py's method (its Tracer).

Usage (root): bench/startup/launch.py [--runs 9] BEFORE_KSCOPE AFTER_KSCOPE
"""
import argparse, os, statistics, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "exec"))
from bench import launch_times, tracers  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("before")
    ap.add_argument("after")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("launch.py: run as root (tracers need CAP_BPF)")
    before, bpftrace = tracers(a.before)
    after = tracers(a.after)[0]
    before.name, after.name = "before", "after"
    times = launch_times((before, after, bpftrace), a.runs, "start-launch-")
    for name, ms in times.items():
        print(f"{name:9} launch->first event ms: median {statistics.median(ms):4.0f}  runs {' '.join(f'{x:.0f}' for x in ms)}")
    b = statistics.median(times["bpftrace"])
    print(f"ratio to bpftrace: before {statistics.median(times['before']) / b:.2f}x, "
          f"after {statistics.median(times['after']) / b:.2f}x   (load average {open('/proc/loadavg').read().split()[0]})")


if __name__ == "__main__":
    main()
