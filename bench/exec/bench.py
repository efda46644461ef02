#!/usr/bin/env python3
"""trace exec benchmark: kscope vs bpftrace on the same exec storm, in the same run.

For each tracer and worker count: the generator's exec rate (vs untraced), events delivered / executed,
lost events, tracer CPU per event, in-kernel BPF run time per event (kernel.bpf_stats_enabled), tracer peak RSS,
and launch-to-first-event latency. Prints a table and the kscope/bpftrace ratios.

Usage: sudo bench/exec/bench.py [--seconds 5] [--kscope /usr/local/bin/kscope] [--markdown out.md]
"""
import argparse, os, re, signal, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
BPFTRACE_PROG = ('tracepoint:syscalls:sys_enter_execve { time("%H:%M:%S "); '
                 'printf("%-7d %-7d %-16s ", pid, curtask->real_parent->tgid, comm); join(args->argv); }')
CLK_TCK = os.sysconf("SC_CLK_TCK")


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def build_generator(tmp):
    exe = os.path.join(tmp, "execstorm")
    sh("gcc", "-O2", "-o", exe, os.path.join(HERE, "execstorm.c"))
    return exe


def cpu_seconds(pid):
    """utime+stime of a process and its reaped children (bpftrace/java threads are in the same process)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / CLK_TCK


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
    return int(m.group(1)) / 1024


def bpf_stats(prog_ids):
    """Sum of (run_time_ns, run_cnt) over the given BPF program ids."""
    out = sh("bpftool", "prog", "show")
    total_ns = total_cnt = 0
    for block in re.split(r"\n(?=\d+: )", out):
        m = re.match(r"(\d+): ", block)
        if m and int(m.group(1)) in prog_ids:
            ns = re.search(r"run_time_ns (\d+)", block)
            cnt = re.search(r"run_cnt (\d+)", block)
            total_ns += int(ns.group(1)) if ns else 0
            total_cnt += int(cnt.group(1)) if cnt else 0
    return total_ns, total_cnt


def tracepoint_prog_ids():
    """Ids of the tracepoint programs loaded now (this bpftool can't list a program's owner pids)."""
    return {int(m.group(1)) for m in re.finditer(r"^(\d+): tracepoint ", sh("bpftool", "prog", "show"), re.M)}


class Tracer:
    def __init__(self, name, cmd, ready_marker):
        self.name, self.cmd, self.ready_marker = name, cmd, ready_marker

    def start(self, out_path):
        self.out = open(out_path, "w")
        self.err = open(out_path + ".err", "w")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdout=self.out, stderr=self.err, start_new_session=True)
        self.path = out_path

    def wait_ready(self, timeout=30):
        """Fires a marker exec every 2 ms until one shows in the output: launch-to-first-event latency."""
        deadline = time.monotonic() + timeout
        marker = f"kscope-ready-{os.getpid()}"
        while time.monotonic() < deadline:
            subprocess.run(["/bin/true", marker])
            with open(self.path, errors="replace") as f:
                if marker in f.read():
                    return time.monotonic() - self.t0
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {open(self.path + '.err').read()}")
            time.sleep(0.002)
        raise RuntimeError(f"{self.name} never showed an event")

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.out.close()
        self.err.close()


def launch_times(tools, runs, prefix):
    """Launch to first event in ms, per tool name: the tools launched in turn, `runs` rounds, so load hits all alike."""
    times = {}
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        for i in range(runs):
            for t in tools:
                t.start(os.path.join(tmp, f"{t.name}-{i}.out"))
                try:
                    times.setdefault(t.name, []).append(t.wait_ready() * 1e3)
                finally:
                    t.stop()
    return times


def run_storm(gen, workers, seconds):
    return int(sh(gen, str(workers), str(seconds)).strip())


def storm_stats(tracer, gen, workers, seconds, progs, marker_count):
    """One storm under a running tracer: execs, tracer CPU and BPF run time over it, events delivered for it."""
    pid = tracer.proc.pid
    ns0, _ = bpf_stats(progs)
    cpu0 = cpu_seconds(pid)
    before = marker_count()
    execs = run_storm(gen, workers, seconds)
    time.sleep(1.0)  # let the tracer drain
    cpu1 = cpu_seconds(pid)
    ns1, _ = bpf_stats(progs)
    delivered = marker_count() - before
    return dict(execs=execs, rate=execs / seconds, delivered=delivered,
                cpu_us=(cpu1 - cpu0) * 1e6 / max(delivered, 1), bpf_us=(ns1 - ns0) / 1e3 / max(execs, 1))


def measure(tracer, gen, workers, seconds, tmp):
    """Two storms under one tracer: the first pays for any warm-up (JIT), the second shows the steady state."""
    out = os.path.join(tmp, f"{tracer.name}-{workers}.out")
    before = tracepoint_prog_ids()
    tracer.start(out)
    launch = tracer.wait_ready()
    time.sleep(0.5)
    progs = tracepoint_prog_ids() - before

    def marker_count():
        with open(out, errors="replace") as f:
            return sum(1 for line in f if "kscope-bench" in line)

    cold = storm_stats(tracer, gen, workers, seconds, progs, marker_count)
    warm = storm_stats(tracer, gen, workers, seconds, progs, marker_count)
    rss = peak_rss_mb(tracer.proc.pid)
    tracer.stop()
    with open(out + ".err", errors="replace") as f:
        err = f.read()
    with open(out, errors="replace") as f:
        lost = sum(int(n) for n in re.findall(r"^Lost (\d+) events", f.read(), re.M))  # bpftrace's notice
    lost_summary = re.search(r"events, (\d+) lost", err)
    if lost_summary:
        lost = int(lost_summary.group(1))
    rows = []
    for phase, r in (("cold", cold), ("warm", warm)):
        rows.append(dict(tracer=tracer.name, phase=phase, workers=workers, rss=rss, launch_ms=launch * 1e3,
                         lost=lost, **r))
    return rows


def tracers(kscope):
    """The two tracers, printing the same fields of every exec."""
    return [Tracer("kscope", [kscope, "trace", "exec", "-o", "columns=time,pid,ppid,comm,args"], None),
            Tracer("bpftrace", ["bpftrace", "-e", BPFTRACE_PROG], None)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--kscope", default="kscope")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--markdown")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: run as root")
    sh("sysctl", "-q", "kernel.bpf_stats_enabled=1")
    rows = []
    with tempfile.TemporaryDirectory(prefix="ksb-") as tmp:
        gen = build_generator(tmp)
        for workers in [int(w) for w in a.workers.split(",")]:
            base = run_storm(gen, workers, a.seconds)
            rows.append(dict(tracer="untraced", workers=workers, execs=base, rate=base / a.seconds))
            for t in tracers(a.kscope):
                rows.extend(measure(t, gen, workers, a.seconds, tmp))
    lines = ["| workers | tracer | storm | execs/s | vs untraced | delivered/executed | lost (both storms) | tracer CPU µs/event | BPF µs/exec | peak RSS MB | launch→first event ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        base = next(x for x in rows if x["tracer"] == "untraced" and x["workers"] == r["workers"])
        if r["tracer"] == "untraced":
            lines.append(f"| {r['workers']} | untraced | | {r['rate']:.0f} | 100% | | | | | | |")
        else:
            lines.append(f"| {r['workers']} | {r['tracer']} | {r['phase']} | {r['rate']:.0f} | {100 * r['rate'] / base['rate']:.1f}% | "
                         f"{100 * r['delivered'] / r['execs']:.2f}% ({r['delivered']}/{r['execs']}) | {r['lost']} | "
                         f"{r['cpu_us']:.1f} | {r['bpf_us']:.2f} | {r['rss']:.0f} | {r['launch_ms']:.0f} |")
    print("\n".join(lines), flush=True)
    lines.append("")
    lines.append("| workers | storm | kscope/bpftrace: tracer CPU per event | BPF time per exec | peak RSS | launch→first event |")
    lines.append("|---|---|---|---|---|---|")
    for w in sorted({r["workers"] for r in rows}):
        for phase in ("cold", "warm"):
            k = next(r for r in rows if r["tracer"] == "kscope" and r["workers"] == w and r["phase"] == phase)
            b = next(r for r in rows if r["tracer"] == "bpftrace" and r["workers"] == w and r["phase"] == phase)
            ratio = lambda key: f"{k[key] / b[key]:.2f}x" if b[key] else "n/a"
            lines.append(f"| {w} | {phase} | {ratio('cpu_us')} | {ratio('bpf_us')} | {ratio('rss')} | {ratio('launch_ms')} |")
    text = "\n".join(lines)
    print("\n".join(lines[-(3 + 2 * len({r["workers"] for r in rows})):]))
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
