#!/usr/bin/env python3
"""mgo-clean's throughput and peak memory on a synthetic must-gather, side by
side with `tar -cz` of the same tree in the same run (issue 13).

  /usr/bin/python3 bench/clean.py [--build DIR] [--files 300] [--big-mb 100] [--runs 2]

The tree: --files files in a must-gather's layout (pod logs with IPv4, IPv6
and MAC addresses, node YAML, a SecretList and a ConfigMap list per
namespace), and one log of --big-mb MiB. Each run spawns the program under
GNU time, whose %M is its peak resident memory (wait4(2)'s ru_maxrss of that
child alone); throughput is the input's bytes over the wall-clock time. mgo-clean
and tar alternate, so both see the same page cache and the same load.
Standard library only; nothing is left behind but with --keep.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

LOG_LINES = [
    "{ts} I1207 main.go:42] connected to {v4}:6443 from {v4b}\n",
    "{ts} W1207 dial.go:7] dial tcp [{v6}]:2379: i/o timeout (peer {v4})\n",
    "{ts} I1207 link.go:99] eth0 {mac} up, 3 routes, version 4.14.0\n",
    "{ts} I1207 sync.go:12] synced 120 objects in 0.045s at 12:34:56\n",
]


def addresses(rng, n):
    v4 = ["10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
          for _ in range(n)]
    v6 = ["fd00:%x::%x" % (rng.randrange(65536), rng.randrange(1, 65536)) for _ in range(n)]
    mac = [":".join("%02x" % rng.randrange(256) for _ in range(6)) for _ in range(n)]
    return v4, v6, mac


def log_text(rng, pool, nbytes):
    v4, v6, mac = pool
    out, size, sec = [], 0, 0
    while size < nbytes:
        sec += 1
        line = rng.choice(LOG_LINES).format(
            ts="2026-12-07T09:%02d:%02d.%03dZ" % (sec // 60 % 60, sec % 60, sec % 1000),
            v4=rng.choice(v4), v4b=rng.choice(v4), v6=rng.choice(v6), mac=rng.choice(mac))
        out.append(line)
        size += len(line)
    return "".join(out)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def make_tree(root, files, big_mb, seed=13):
    """Returns (number of files, bytes)."""
    rng = random.Random(seed)
    pool = addresses(rng, 2000)
    n = 0
    ns_count = max(1, (files - 50) // 20)  # 20 files each; the rest are nodes
    for ns in range(ns_count):
        base = os.path.join(root, "namespaces", "ns-%d" % ns)
        write(os.path.join(base, "core", "secrets.yaml"),
              "apiVersion: v1\nitems:\n- apiVersion: v1\n  data:\n    password: c2VjcmV0\n"
              "  kind: Secret\n  metadata:\n    name: s\n    namespace: ns-%d\nkind: SecretList\n" % ns)
        write(os.path.join(base, "core", "configmaps.json"),
              '{"apiVersion":"v1","items":[{"data":{"server":"%s"},"kind":"ConfigMap"}],'
              '"kind":"List"}\n' % rng.choice(pool[0]))
        n += 2
        for pod in range(9):
            ip = rng.choice(pool[0])
            pdir = os.path.join(base, "pods", "pod-%d-ip-%s" % (pod, ip.replace(".", "-")))
            write(os.path.join(pdir, "c", "c", "logs", "current.log"),
                  log_text(rng, pool, rng.randrange(20000, 200000)))
            write(os.path.join(pdir, "pod-%d.yaml" % pod),
                  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-%d\nstatus:\n  hostIP: %s\n"
                  "  podIP: %s\n  podIPs:\n  - ip: %s\n" % (pod, rng.choice(pool[0]), ip,
                                                         rng.choice(pool[1])))
            n += 2
    for node in range(max(1, files - n - 1)):
        ip = rng.choice(pool[0])
        write(os.path.join(root, "cluster-scoped-resources", "core", "nodes",
                           "ip-%s.yaml" % ip.replace(".", "-")),
              "apiVersion: v1\nkind: Node\nstatus:\n  addresses:\n  - address: %s\n"
              "    type: InternalIP\n  - address: %s\n" % (ip, rng.choice(pool[1])))
        n += 1
    # the big log: one chunk of text repeated, to write 100 MiB quickly
    chunk = log_text(rng, pool, 1 << 20)
    with open(os.path.join(root, "namespaces", "ns-0", "big.log"), "w") as f:
        for _ in range(big_mb):
            f.write(chunk)
    n += 1
    total = 0
    for d, _, names in os.walk(root):
        for name in names:
            total += os.path.getsize(os.path.join(d, name))
    return n, total


def run(argv, log, gnu_time):
    """(wall seconds, CPU seconds, peak RSS KiB, exit status) of argv, its
    output in log.

    The peak is GNU time's %M (wait4's ru_maxrss, taken by time, a small
    process): ru_maxrss survives exec, so a child forked from this Python
    process would report at least the interpreter's own peak."""
    rss_file = log + ".rss"
    with open(log, "ab") as f:
        start = time.monotonic()
        code = subprocess.call([gnu_time, "-f", "%M %U %S", "-o", rss_file] + argv,
                               stdout=f, stderr=f)
        wall = time.monotonic() - start
    with open(rss_file) as f:
        rss, user, system = f.read().split("\n")[-2].split()
    return wall, float(user) + float(system), int(rss), code


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p.add_argument("--build", default=os.path.join(top, "build"))
    p.add_argument("--files", type=int, default=300)
    p.add_argument("--big-mb", type=int, default=100)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--keep", action="store_true")
    a = p.parse_args()
    clean = os.path.join(a.build, "clean", "mgo-clean")
    tar = shutil.which("tar")
    gnu_time = "/usr/bin/time"
    if not os.access(clean, os.X_OK) or not tar or not os.access(gnu_time, os.X_OK):
        sys.exit("bench/clean.py: needs %s (cmake --build %s --target mgo-clean), tar and "
                 "GNU time (/usr/bin/time, Debian's time)" % (clean, a.build))
    work = tempfile.mkdtemp(prefix="mgo-clean-bench-")
    rows = []
    try:
        tree = os.path.join(work, "must-gather")
        log = os.path.join(work, "log")
        nfiles, nbytes = make_tree(tree, a.files, a.big_mb)
        for i in range(a.runs):
            out = os.path.join(work, "out-%d" % i)
            wall, cpu, rss, code = run([clean, "--input", tree, "--output", out], log,
                                       gnu_time)
            if code != 0:
                sys.exit("mgo-clean exited %d; see %s (--keep)" % (code, log))
            rows.append(("mgo-clean", wall, cpu, rss))
            shutil.rmtree(out)
            tgz = os.path.join(work, "out-%d.tar.gz" % i)
            wall, cpu, rss, code = run([tar, "-czf", tgz, "-C", tree, "."], log, gnu_time)
            if code != 0:
                sys.exit("tar exited %d" % code)
            rows.append(("tar -cz", wall, cpu, rss))
            os.unlink(tgz)
        mib = nbytes / (1 << 20)
        print("Tree: %d files, %.1f MiB (one log of %d MiB); %d runs each, alternating; "
              "load average %.2f at the end.\n" % (nfiles, mib, a.big_mb, a.runs,
                                                   os.getloadavg()[0]))
        print("| program | run | wall s | MB/s (wall) | CPU s | MB/s (CPU) | peak RSS (KiB) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for i, (name, wall, cpu, rss) in enumerate(rows):
            print("| %s | %d | %.2f | %.1f | %.2f | %.1f | %d |" % (
                name, i // 2 + 1, wall, nbytes / 1e6 / wall, cpu,
                nbytes / 1e6 / cpu if cpu else 0.0, rss))
    finally:
        if a.keep:
            print("kept %s" % work, file=sys.stderr)
        else:
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
