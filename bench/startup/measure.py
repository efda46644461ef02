#!/usr/bin/env python3
"""Runs commands N times each, interleaved (A B C A B C ...: load changes on a shared machine hit all alike),
and prints per command the median wall time and the median CPU time (user + sys of the process and its children).

Usage: measure.py N 'LABEL|COMMAND' ['LABEL|COMMAND' ...]   (each command's output is discarded; it must exit 0)
"""
import os
import shlex
import statistics
import subprocess
import sys
import time


def run_once(argv):
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"measure: '{shlex.join(argv)}' exited with {code} (run it by hand to see why)")
    return wall * 1000, (usage.ru_utime + usage.ru_stime) * 1000


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    n = int(sys.argv[1])
    commands = [spec.split("|", 1) for spec in sys.argv[2:]]
    runs = {label: [] for label, _ in commands}
    for _ in range(n):
        for label, command in commands:
            runs[label].append(run_once(shlex.split(command)))
    for label, rs in runs.items():
        walls = [r[0] for r in rs]
        print(f"{label}\t{statistics.median(walls):.0f}\t{statistics.median(r[1] for r in rs):.0f}"
              f"\t{min(walls):.0f}-{max(walls):.0f}")


if __name__ == "__main__":
    main()
