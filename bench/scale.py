#!/usr/bin/env python3
"""What the size of the cluster costs the operator (issue 11).

Each scenario is a fresh mgo-test-apiserver loaded (--load, one List per kind)
with a cluster, then the real operator started on it --startups times:

  empty            nothing but the operator's namespace
  namespaces       --namespaces namespaces (each with its default ServiceAccount)
  serviceaccounts  those, and --sas ServiceAccounts in all (default ones included)
  pods             the namespaces, and --pods Pods the operator did not make
  jobs             the namespaces, and --jobs Jobs the operator did not make
  big              all of the above at once
  mustgathers      --cached finished MustGathers

For each: seconds from spawning mgo-supervisor to its supervisor.ready line,
and from the watcher's first log line to its watcher.ready line (its lists),
median of the runs; then, after --settle seconds, memory as memory.py counts
it (private pages; each shared file once) for the watcher and the pod, and
the test API server's own beside it, in the same run. Growth per object is
(watcher private bytes in the scenario - in its baseline) / objects, the
baseline being `namespaces` for the kinds that live in them and `empty` for
the rest.

  /usr/bin/python3 bench/scale.py [--namespaces 5000 --sas 20000 --pods 20000
                                   --jobs 5000 --cached 10000] [--only big,...]
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as b  # noqa: E402
import memory as m  # noqa: E402

SCENARIOS = ("empty", "namespaces", "serviceaccounts", "pods", "jobs", "big", "mustgathers")
CONTAINER = [{"name": "c", "image": "registry.example.com/app:1"}]


def ns_name(i):
    return "tenant-%05d" % i


def write_list(d, name, items):
    with open(os.path.join(d, name), "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f)


def cluster_manifests(workdir, args, kinds):
    """A --load directory with the namespaces and the unrelated objects of
    `kinds`, spread round-robin over the namespaces."""
    d = os.path.join(workdir, "cluster")
    os.mkdir(d)
    n = args.namespaces
    write_list(d, "namespaces.json", [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns_name(i)}}
        for i in range(n)])
    if "serviceaccounts" in kinds:
        # each namespace's "default" comes from the server's controller
        write_list(d, "serviceaccounts.json", [
            {"apiVersion": "v1", "kind": "ServiceAccount",
             "metadata": {"name": "app-%05d" % i, "namespace": ns_name(i % n)}}
            for i in range(max(args.sas - n, 0))])
    if "pods" in kinds:
        write_list(d, "pods.json", [
            {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "app-%05d" % i, "namespace": ns_name(i % n),
                          "labels": {"app": "unrelated"}},
             "spec": {"containers": CONTAINER}} for i in range(args.pods)])
    if "jobs" in kinds:
        write_list(d, "jobs.json", [
            {"apiVersion": "batch/v1", "kind": "Job",
             "metadata": {"name": "batch-%05d" % i, "namespace": ns_name(i % n),
                          "labels": {"app": "unrelated"}},
             "spec": {"template": {"spec": {"restartPolicy": "Never",
                                            "containers": CONTAINER}}}}
            for i in range(args.jobs)])
    return d


def log_time(e):
    return datetime.datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def watcher_list_seconds(op):
    """From the watcher's first log line to its watcher.ready line, by the
    lines' own timestamps (the last watcher started, should there be more)."""
    op.poll()
    first = ready = None
    for _, e in op.events:
        if e.get("role") != "watcher":
            continue
        if e.get("event") == "proc.started":
            first, ready = log_time(e), None
        elif e.get("event") == "watcher.ready" and first is not None:
            ready = log_time(e)
    return ready - first if first is not None and ready is not None else float("nan")


def run(args, workdir, name):
    d = os.path.join(workdir, name)
    os.mkdir(d)
    kinds = {"serviceaccounts": {"serviceaccounts"}, "pods": {"pods"}, "jobs": {"jobs"},
             "big": {"serviceaccounts", "pods", "jobs"}, "namespaces": set()}.get(name)
    load = []
    if kinds is not None:
        load.append(cluster_manifests(d, args, kinds))
    if name == "mustgathers":
        load.append(b.cached_manifests(d, args.cached))
    api = b.ApiServer(args, d, load)
    live = [api]
    try:
        api.start()
        if name == "mustgathers":
            b.finish_cached(api, args.cached)
        b.make_namespace(api, b.NS_BENCH)
        ready, lists, wcpu, acpu = [], [], [], []
        for i in range(args.startups):
            if i:
                live.pop().stop()
            api_cpu = b.proc_sample(api.pid())["cpu"]
            op = b.Operator(args, api, d, i)
            live.append(op)
            ready.append(op.wait_ready(600)["ready"])
            acpu.append(b.proc_sample(api.pid())["cpu"] - api_cpu)
            wcpu.append(b.proc_sample(op.pids()["watcher"])["cpu"])
            lists.append(watcher_list_seconds(op))
        time.sleep(args.settle)  # a benchmark's quiet window, not a wait for a condition
        if op.restarts():
            raise b.BenchError("a child restarted; see %s" % op.logpath)
        pids = m.pod_pids(op)
        rows, _, total = m.measure(pids)
        api_private, api_shared = m.smaps(api.pid())
        synced = op.seen("watcher.ready")
        return {"ready": ready, "lists": lists, "wcpu": wcpu, "acpu": acpu, "watcher": rows["watcher"][0], "pod": total,
                "api": api_private + sum(api_shared.values()), "api_load": api.start_seconds,
                "says": synced[1].get("msg", "") if synced else ""}
    finally:
        for p in reversed(live):
            p.stop()


def report(args, res):
    out = ["Measured by `%s` on %s, commit %s (%s build)." % (
        " ".join(["/usr/bin/python3", "bench/scale.py"] + args.argv), b.now_iso(),
        b.machine(args)["commit"], b.machine(args)["build_type"]), ""]
    w = out.append
    w("Start-up: medians of %d starts. *ready*: spawning mgo-supervisor to its "
      "`supervisor.ready`; *lists*: the watcher's first log line to its `watcher.ready`; "
      "*CPU*: the watcher's CPU seconds at ready, and the test API server's over the same "
      "start. Memory after %.0f s more, of the last start (memory.py's way).\n"
      % (args.startups, args.settle))
    w("| scenario | objects | server load s | ready s | lists s | watcher CPU s "
      "| server CPU s | watcher private KiB | pod KiB | test API server KiB | watcher says |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    objects = {
        "empty": "-",
        "namespaces": "%d namespaces" % args.namespaces,
        "serviceaccounts": "%d namespaces, %d ServiceAccounts" % (args.namespaces,
                                                                  max(args.sas, args.namespaces)),
        "pods": "%d namespaces, %d Pods" % (args.namespaces, args.pods),
        "jobs": "%d namespaces, %d Jobs" % (args.namespaces, args.jobs),
        "big": "%d namespaces, %d ServiceAccounts, %d Pods, %d Jobs" % (
            args.namespaces, max(args.sas, args.namespaces), args.pods, args.jobs),
        "mustgathers": "%d finished MustGathers" % args.cached,
    }
    for name in SCENARIOS:
        if name not in res:
            continue
        r = res[name]
        w("| %s | %s | %.1f | %.3f | %.3f | %.2f | %.2f | %s | %s | %s | %s |" % (
            name, objects[name], r["api_load"], statistics.median(r["ready"]),
            statistics.median(r["lists"]), statistics.median(r["wcpu"]),
            statistics.median(r["acpu"]), m.kib(r["watcher"]), m.kib(r["pod"]),
            m.kib(r["api"]), r["says"]))
    w("")
    growth = [("serviceaccounts", "namespaces", max(args.sas, args.namespaces) - args.namespaces,
               "ServiceAccount (beyond each namespace's default)"),
              ("pods", "namespaces", args.pods, "unrelated Pod"),
              ("jobs", "namespaces", args.jobs, "unrelated Job"),
              ("namespaces", "empty", args.namespaces,
               "namespace (with its default ServiceAccount)"),
              ("mustgathers", "empty", args.cached, "finished MustGather")]
    w("| watcher memory per | bytes | test API server's, beside |")
    w("|---|---:|---:|")
    for name, base, n, what in growth:
        if name in res and base in res and n:
            w("| %s | %.0f | %.0f |" % (what, (res[name]["watcher"] - res[base]["watcher"]) / n,
                                        (res[name]["api"] - res[base]["api"]) / n))
    w("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    b.program_args(ap)
    ap.add_argument("--namespaces", type=int, default=5000)
    ap.add_argument("--sas", type=int, default=20000, help="ServiceAccounts, defaults included")
    ap.add_argument("--pods", type=int, default=20000)
    ap.add_argument("--jobs", type=int, default=5000)
    ap.add_argument("--cached", type=int, default=10000, help="finished MustGathers")
    ap.add_argument("--startups", type=int, default=3, help="operator starts per scenario")
    ap.add_argument("--settle", type=float, default=3.0, help="seconds after ready")
    ap.add_argument("--only", help="comma-separated scenarios (default: all)")
    args = ap.parse_args()
    args.argv = sys.argv[1:]
    b.programs(args)
    only = args.only.split(",") if args.only else SCENARIOS
    workdir = tempfile.mkdtemp(prefix="mgo-scale-")
    res = {}
    try:
        for name in SCENARIOS:
            if name in only:
                print("scale: %s" % name, file=sys.stderr)
                res[name] = run(args, workdir, name)
        print(report(args, res))
    except b.BenchError as e:
        print("scale: %s (kept %s)" % (e, workdir), file=sys.stderr)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
