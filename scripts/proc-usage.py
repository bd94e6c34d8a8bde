#!/usr/bin/env python3
"""Samples the memory and CPU of the operator's processes while a command runs,
to size the Deployment's requests and limits from what they really use.

    scripts/proc-usage.py BUILD_DIR -- COMMAND...
    scripts/proc-usage.py build -- ctest --test-dir build -L e2e

Only processes whose executable is an mgo-* program under BUILD_DIR count
(other checkouts' processes on the same machine do not; the test API server
does not). Every --interval seconds it reads /proc/PID/status (VmHWM, the peak
RSS the kernel recorded for the process) and /proc/PID/stat (utime+stime).
It prints, per program: processes seen, the largest peak RSS of one process,
the CPU seconds its processes used up to their last sample (a lower bound:
what a process does after its last sample is missed), and the highest CPU
share of one process over one interval (1.0 = one core). The same figures,
summed over the programs alive at each sample, give the pod's peak RSS and
CPU (the container runs them all).
"""
import os
import subprocess
import sys
import time


def sample(build, hz):
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            exe = os.readlink(f"/proc/{name}/exe")
            if not exe.startswith(build + "/"):
                continue
            prog = os.path.basename(exe)
            if not prog.startswith("mgo-") or prog == "mgo-test-apiserver":
                continue
            with open(f"/proc/{name}/status") as f:
                hwm = rss = 0
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm = int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        rss = int(line.split()[1])
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks = int(fields[11]) + int(fields[12])
            out[int(name)] = (prog, hwm, rss, ticks / hz)
        except (OSError, ValueError, IndexError):
            continue  # gone between listdir and read, or not ours to read
    return out


def main():
    args = sys.argv[1:]
    interval = 0.1
    if len(args) >= 2 and args[0] == "--interval":
        interval = float(args[1])
        args = args[2:]
    if len(args) < 3 or args[1] != "--":
        sys.exit(f"usage: {sys.argv[0]} [--interval S] BUILD_DIR -- COMMAND...")
    build = os.path.realpath(args[0])
    hz = os.sysconf("SC_CLK_TCK")
    cmd = subprocess.Popen(args[2:])
    last = {}          # pid -> (time, cpu seconds)
    procs = {}         # pid -> program
    hwm, cpu, share = {}, {}, {}
    pod_rss = pod_share = 0.0
    while cmd.poll() is None:
        now = time.monotonic()
        snap = sample(build, hz)
        total_rss = total_share = 0.0
        for pid, (prog, peak, rss, secs) in snap.items():
            procs[pid] = prog
            hwm[prog] = max(hwm.get(prog, 0), peak)
            total_rss += rss
            if pid in last and now > last[pid][0]:
                s = (secs - last[pid][1]) / (now - last[pid][0])
                share[prog] = max(share.get(prog, 0.0), s)
                total_share += s
            last[pid] = (now, secs)
        pod_rss = max(pod_rss, total_rss)
        pod_share = max(pod_share, total_share)
        time.sleep(interval)
    for pid, (_, secs) in last.items():
        cpu[procs[pid]] = cpu.get(procs[pid], 0.0) + secs
    progs = sorted(hwm)
    print(f"{'program':<16} {'procs':>6} {'peak RSS KiB':>13} {'CPU s':>8} {'max CPU share':>14}")
    for p in progs:
        n = sum(1 for v in procs.values() if v == p)
        print(f"{p:<16} {n:>6} {hwm[p]:>13} {cpu.get(p, 0):>8.2f} {share.get(p, 0):>14.2f}")
    print(f"pod (all alive at one sample): peak RSS {pod_rss:.0f} KiB, peak CPU share {pod_share:.2f}")
    sys.exit(cmd.returncode)


if __name__ == "__main__":
    main()
