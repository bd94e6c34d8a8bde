#!/usr/bin/python3
"""mgo failover benchmark: two replicas of the operator (two mgo-supervisors,
each with its own socket directory, keys, launcher identity and log) against
one mgo-test-apiserver, a backlog of MustGathers at the default rate limit,
and the leader's pod killed mid-backlog: its supervisor stopped, then every
one of its processes SIGKILLed (no Lease release, as when a node dies). Run
several times; each run is judged, as tests/e2e/test_e2e_failover.c judges
its one, from the launchers' logged leadership intervals (lease.acquired /
lease.lost) and the server's audit log:

  takeover    the new leader's lease.acquired less the kill; and, by the
              server's clock, its first Lease write less the dead leader's
              last renewal (client-go's bound: lease duration + retry
              period, 17 s)
  overlaps    pairs of intervals that overlap, plus act writes the server
              received from a launcher outside its interval (200 ms grace
              for a request sent just before its end) or completed after
              another launcher took the Lease over
  doubles     MustGathers with other than exactly one Job

Uses bench.py's server and operator drivers; standard library only.
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the drivers)
import report as report_md  # noqa: E402

NS = "mgo-failover"
GRACE_US = 200000
BOUND_S = 15 + 2


def wall_us(text):
    """The audit log's and the launchers' RFC 3339 times, in microseconds."""
    dt = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return int(dt.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000000)


def now_us():
    return int(time.time() * 1000000)


def jobs(api):
    return api.must("GET", "/apis/batch/v1/namespaces/%s/jobs" % NS).get("items", [])


def intervals(op, open_until):
    """(holder, from_us, to_us) of every interval the operator's log shows (read
    from the file: the operator may be dead)."""
    out, cur = [], None
    with open(op.logpath) as f:
        lines = [json.loads(line) for line in f if line.startswith("{")]
    for e in lines:
        if e.get("event") == "lease.acquired":
            cur = [e["holder"], e["acquired_us"], open_until]
            out.append(cur)
        elif e.get("event") == "lease.lost" and cur:
            cur[2] = e["lost_us"]
            cur = None
    return [tuple(i) for i in out]


def kill_pod(op):
    """SIGSTOP the supervisor (no restarts, no death signal to the children),
    SIGKILL each child's process group, the launcher first, then the
    supervisor. The wall time of the launcher's kill."""
    pids = op.pids()
    os.kill(op.proc.pid, signal.SIGSTOP)
    killed = None
    for role in ("launcher", "validator", "watcher", "health"):
        if role in pids:
            try:
                os.killpg(pids[role], signal.SIGKILL)
            except ProcessLookupError:
                os.kill(pids[role], signal.SIGKILL)
            if role == "launcher":
                killed = now_us()
    op.proc.kill()
    op.proc.wait()
    op.log.close()
    return killed


def judge(audit_path, leads):
    """Overlapping interval pairs and writes outside their writer's interval
    or after a takeover, from the audit log; and the Lease writes' times."""
    bad = 0
    s = sorted(leads, key=lambda i: i[1])
    for a, b in zip(s, s[1:]):
        bad += b[1] < a[2]
    holder, first, last = "", {}, {}
    with open(audit_path) as f:
        for line in f:
            e = json.loads(line)
            agent = e.get("userAgent", "")
            if not agent.startswith("mgo-launcher (") or e.get("verb") not in (
                    "create", "update", "patch", "delete"):
                continue
            who = agent[len("mgo-launcher ("):-1]
            done = wall_us(e["time"])
            if e.get("resource") == "leases":
                if 200 <= e.get("code", 0) < 300:
                    holder = who
                    first.setdefault(who, done)
                    last[who] = done
                continue
            arrived = done - int(e.get("latencyMs", 0) * 1000)
            inside = any(h == who and f <= arrived <= t + GRACE_US for h, f, t in leads)
            bad += (holder and holder != who) or not inside
    return bad, first, last


def one_run(args, workdir, run):
    d = os.path.join(workdir, "run-%d" % run)
    os.mkdir(d)
    live = []
    try:
        api = bench.ApiServer(args, d, [])
        live.append(api)
        api.start()
        bench.make_namespace(api, NS)
        a = bench.Operator(args, api, d, 0)
        live.append(a)
        a.wait_ready(600)
        b = bench.Operator(args, api, d, 1)
        live.append(b)
        bench.wait_for("the second replica to stand by",
                       lambda: b.seen("supervisor.ready") and b.seen("launcher.standby"), 600)
        for i in range(args.mustgathers):
            api.must("POST", "%s/namespaces/%s/mustgathers" % (bench.MG_API, NS),
                     {"apiVersion": "operator.openshift.io/v1alpha1", "kind": "MustGather",
                      "metadata": {"name": "mg-%04d" % i}, "spec": {}})
        bench.wait_for("%d Jobs" % args.kill_after,
                       lambda: len(jobs(api)) >= args.kill_after, 600, 0.05)
        killed = kill_pod(a)
        live.remove(a)
        bench.wait_for("every MustGather's Job",
                       lambda: len(jobs(api)) >= args.mustgathers, 900, 0.2)
        leads = intervals(a, killed) + intervals(b, 1 << 62)
        new = [i for i in leads if i[1] > killed]
        if len(new) != 1:
            raise bench.BenchError("run %d: %d intervals after the kill" % (run, len(new)))
        bad, first, last = judge(api.audit, leads)
        owners = {}
        for j in jobs(api):
            for o in j["metadata"].get("ownerReferences", []):
                owners[o["uid"]] = owners.get(o["uid"], 0) + 1
        doubles = sum(1 for n in owners.values() if n != 1) + \
            max(0, args.mustgathers - len(owners))
        old_holder = leads[0][0]
        return {
            "backlog": args.mustgathers - args.kill_after,
            "takeover_kill": (new[0][1] - killed) / 1e6,
            "takeover_server": (first[new[0][0]] - last[old_holder]) / 1e6,
            "overlaps": bad,
            "doubles": doubles,
        }
    finally:
        for p in reversed(live):
            p.stop()


def report(args, runs, cmd):
    lines = ["## Failover", "",
             "Two replicas, %d MustGathers created at once, the leader's pod killed once %d "
             "Jobs exist (`bench/failover.py`, lease 15 s / renew deadline 10 s / retry 2 s, "
             "launcher at 20 qps, the old default). Takeover is the new leader's `lease.acquired` "
             "less the kill, and by the server's clock its first Lease write less the dead "
             "leader's last renewal; the bound is lease duration plus one retry period, "
             "%d s. Overlaps: overlapping intervals plus act writes outside their writer's "
             "interval or after a takeover (audit log). Doubles: MustGathers without "
             "exactly one Job." % (args.mustgathers, args.kill_after, BOUND_S), "",
             "```", cmd, "```", "",
             "| run | takeover after the kill (s) | after the last renewal (s) | overlaps | "
             "doubles |", "|---|---|---|---|---|"]
    for i, r in enumerate(runs, 1):
        lines.append("| %d | %.2f | %.2f | %d | %d |" % (i, r["takeover_kill"],
                                                        r["takeover_server"], r["overlaps"],
                                                        r["doubles"]))
    tk = [r["takeover_kill"] for r in runs]
    ts = [r["takeover_server"] for r in runs]
    lines += ["", "Takeover after the kill: min %.2f s, max %.2f s; after the last renewal: "
              "max %.2f s (bound %d s). Overlaps in all runs: %d. Doubles: %d."
              % (min(tk), max(tk), max(ts), BOUND_S, sum(r["overlaps"] for r in runs),
                 sum(r["doubles"] for r in runs))]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    bench.program_args(ap)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mustgathers", type=int, default=300, help="created at once")
    ap.add_argument("--kill-after", type=int, default=30, help="Jobs made before the kill")
    ap.add_argument("--report", help="replace the Failover section of this Markdown file (bench/report.py)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    # the rate the backlog is sized for (the default was 20 before it kept
    # up with 50 MustGathers/s), and no per-namespace limit in the way of a
    # backlog in one namespace: this is about the Lease
    args.launcher_qps = 20
    args.max_running_per_ns = 100000
    bench.programs(args)
    cmd = "/usr/bin/python3 bench/failover.py --runs %d --mustgathers %d --kill-after %d" % (
        args.runs, args.mustgathers, args.kill_after)
    workdir = tempfile.mkdtemp(prefix="mgo-failover-")
    runs = []
    try:
        for run in range(args.runs):
            r = one_run(args, workdir, run)
            print("failover: run %d: takeover %.2f s after the kill, %.2f s after the last "
                  "renewal; overlaps %d, doubles %d" % (run + 1, r["takeover_kill"],
                                                        r["takeover_server"], r["overlaps"],
                                                        r["doubles"]), file=sys.stderr)
            runs.append(r)
    except bench.BenchError as e:
        print("failover: %s" % e, file=sys.stderr)
        args.keep = True
        return 1
    finally:
        if args.keep:
            print("failover: kept %s" % workdir, file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    text = report(args, runs, cmd)
    if args.report:
        report_md.update(args.report, text, preamble=False)
    else:
        print(text)
    return 0 if all(r["overlaps"] == 0 and r["doubles"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
