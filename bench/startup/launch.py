#!/usr/bin/env python3
"""Launch to first event of `trace exec`: two kscope installations and bpftrace, launched in turn (A B bpftrace A B
bpftrace ...) so that the machine's load changes hit all three alike. bench/exec/launch.py's method (its Tracer).

Usage (root): bench/startup/launch.py [--runs 9] BEFORE_KSCOPE AFTER_KSCOPE
"""
import argparse, os, statistics, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "exec"))
from bench import Tracer, tracers  # noqa: E402


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
    times = {}
    with tempfile.TemporaryDirectory(prefix="start-launch-") as tmp:
        for i in range(a.runs):
            for t in (before, after, bpftrace):
                t.start(os.path.join(tmp, f"{t.name}-{i}.out"))
                try:
                    times.setdefault(t.name, []).append(t.wait_ready() * 1e3)
                finally:
                    t.stop()
    for name, ms in times.items():
        print(f"{name:9} launch->first event ms: median {statistics.median(ms):4.0f}  runs {' '.join(f'{x:.0f}' for x in ms)}")
    b = statistics.median(times["bpftrace"])
    print(f"ratio to bpftrace: before {statistics.median(times['before']) / b:.2f}x, "
          f"after {statistics.median(times['after']) / b:.2f}x   (load average {open('/proc/loadavg').read().split()[0]})")


if __name__ == "__main__":
    main()
