#!/usr/bin/env python3
"""Memory as the pod's cgroup pays it, not as a sum of RSS.

A cgroup is charged each page once: a process's private pages (anonymous
memory, and file pages only it maps), and the pages of each shared file
(libc, libcurl, ...) once however many processes map them. Summing RSS counts
every shared library once per process. This prints, per process, its private
bytes and the shared-file bytes it maps, and for the whole pod the private
bytes plus each shared file once; the test API server's own cost is beside it,
measured the same way in the same run. Idle, and with --cached finished
MustGathers in the watcher's cache.

  /usr/bin/python3 bench/memory.py [--cached 10000] [--settle 5] [--build DIR]

It drives the real mgo-supervisor against mgo-test-apiserver as bench.py does
(it reuses its fixtures) and reads /proc/PID/smaps.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as b  # noqa: E402


def smaps(pid, where=None):
    """(private bytes, {file: resident shared bytes}) of a live pid. With a
    dict for where, also adds each mapping's private bytes under its name
    ([heap], [stack], a file's path, or [anon])."""
    private, shared, path, name = 0, {}, None, None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if not parts[0].endswith(":") or "-" in parts[0]:
                # a mapping's header: address perms offset dev inode [path]
                path = parts[5] if len(parts) > 5 and parts[4] != "0" else None
                name = parts[5] if len(parts) > 5 else "[anon]"
                continue
            key = parts[0][:-1]
            if key not in ("Private_Clean", "Private_Dirty", "Shared_Clean", "Shared_Dirty"):
                continue
            kb = int(parts[1])
            if key in ("Private_Clean", "Private_Dirty"):
                private += kb * 1024
                if where is not None:
                    where[name] = where.get(name, 0) + kb * 1024
            elif key in ("Shared_Clean", "Shared_Dirty"):
                if path:
                    shared[path] = shared.get(path, 0) + kb * 1024
                else:  # shared anonymous memory: its own, as far as we can tell
                    private += kb * 1024
    return private, shared


def pod_pids(op):
    """The supervisor, the children it announced, and any other process it is
    the parent of (mgo-supervisor's spawner, which announces nothing)."""
    pids = op.pids()
    known = set(pids.values())
    sup = pids["supervisor"]
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in known:
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == sup:
            pids["%s (%s)" % (comm, d)] = int(d)
    return pids


def measure(pids, detail=None):
    """Per process (private, shared it maps) and the pod's total. With a dict
    for detail, fills detail["files"] (each shared file once) and
    detail[process] (its private bytes by mapping)."""
    rows, files = {}, {}
    for name, pid in pids.items():
        where = {} if detail is not None else None
        private, shared = smaps(pid, where)
        rows[name] = (private, sum(shared.values()))
        if detail is not None:
            detail[name] = where
        for path, n in shared.items():
            files[path] = max(files.get(path, 0), n)
    if detail is not None:
        detail["files"] = files
    total = sum(p for p, _ in rows.values()) + sum(files.values())
    return rows, sum(files.values()), total


def breakdown(detail, top=12):
    """Where the bytes are: the shared files counted once, largest first, and
    each process's private bytes by mapping."""
    out = ["| shared file (counted once) | KiB |", "|---|---:|"]
    for path, n in sorted(detail["files"].items(), key=lambda kv: -kv[1]):
        out.append("| %s | %s |" % (path, kib(n)))
    out.append("")
    for name in b.procs({k: v for k, v in detail.items() if k != "files"}):
        parts = sorted(detail[name].items(), key=lambda kv: -kv[1])[:top]
        out.append("%s private: %s" % (name, ", ".join(
            "%s %s" % (os.path.basename(k) if k.startswith("/") else k, kib(v))
            for k, v in parts if v)))
    out.append("")
    return out


def kib(n):
    return "%.0f" % (n / 1024)


def table(title, rows, shared_once, total, api):
    out = ["### " + title, "",
           "| process | private KiB | shared files mapped KiB |", "|---|---:|---:|"]
    for name in b.procs(rows):
        out.append("| %s | %s | %s |" % (name, kib(rows[name][0]), kib(rows[name][1])))
    out += ["| **pod: private + each shared file once** | **%s** | (%s of it shared) |"
            % (kib(total), kib(shared_once)),
            "| RSS summed the old way | %s | |" % kib(sum(p + s for p, s in rows.values())),
            "| test API server, beside (private + its shared files) | %s | |"
            % kib(api[0] + sum(api[1].values())), ""]
    return out


def run(args, workdir, cached):
    d = os.path.join(workdir, "cached-%d" % cached)
    os.mkdir(d)
    load = [b.cached_manifests(d, cached)] if cached else []
    api = b.ApiServer(args, d, load)
    op = None
    try:
        api.start()
        if cached:
            b.finish_cached(api, cached)
        b.make_namespace(api, b.NS_BENCH)
        op = b.Operator(args, api, d, 0)
        op.wait_ready(120)
        time.sleep(args.settle)  # a benchmark's quiet window, not a wait for a condition
        if op.restarts():
            raise b.BenchError("a child restarted; see %s" % op.logpath)
        detail = {} if args.detail else None
        rows, shared_once, total = measure(pod_pids(op), detail)
        return rows, shared_once, total, smaps(api.pid()), detail
    finally:
        if op:
            op.stop()
        api.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    b.program_args(ap)
    ap.add_argument("--cached", type=int, default=10000, help="finished MustGathers loaded")
    ap.add_argument("--settle", type=float, default=5.0, help="seconds after ready")
    ap.add_argument("--detail", action="store_true",
                    help="also list the shared files and each process's private mappings")
    args = ap.parse_args()
    b.programs(args)
    workdir = tempfile.mkdtemp(prefix="mgo-memory-")
    try:
        out = ["Measured by `/usr/bin/python3 bench/memory.py --cached %d` on %s."
               % (args.cached, b.now_iso()), ""]
        for n in sorted({0, args.cached}):
            rows, shared_once, total, api, detail = run(args, workdir, n)
            out += table("%d MustGathers cached" % n, rows, shared_once, total, api)
            if detail is not None:
                out += breakdown(detail)
        print("\n".join(out))
    except b.BenchError as e:
        print("memory: %s" % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
