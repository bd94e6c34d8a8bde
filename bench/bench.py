#!/usr/bin/python3
"""mgo benchmarks: drives the real mgo-supervisor (and through it the watcher,
validator and launcher) against mgo-test-apiserver, and prints what it
measured as a Markdown report with ASCII plots.

Standard library only (the machines have no pip): http.client over TLS,
json, threading. A script rather than C because nothing here is on the
operator's path: it starts programs, makes HTTP calls and does arithmetic,
and a report generator in C would be ten times longer for the same numbers.

Scenarios, each on a fresh API server:
  empty   start-up to ready (several runs), then the latency (created ->
          Job created) of paced MustGathers and of a burst, each through its
          whole lifecycle (Job completed by us -> MustGather Completed ->
          Job deleted), with the API requests (audit log) and CPU it cost.
  cached  a server loaded (--load) with C finished MustGathers:
          start-up to ready, then a steady window; CPU seconds and peak and
          steady RSS of every process, the API server's beside them.
"""

import argparse
import ctypes
import datetime
import http.client
import json
import math
import os
import platform
import re
import select
import signal
import shlex
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report as report_md  # noqa: E402  (keeps REPORT.md's hand-written parts)

NS_OP = "must-gather-operator"
NS_BENCH = "mgo-bench"
NS_CACHED = "mgo-bench-cached"
USERS = {
    "watcher": "system:serviceaccount:%s:mgo-watcher" % NS_OP,
    "launcher": "system:serviceaccount:%s:mgo-launcher" % NS_OP,
}
TOKENS = {"watcher": "bench-watcher-token-0123456789",
          "launcher": "bench-launcher-token-0123456789"}
ROLES = ("supervisor", "watcher", "validator", "launcher")
MG_API = "/apis/operator.openshift.io/v1alpha1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


LIBC = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


class BenchError(Exception):
    pass


def die_with_us():
    """In a child before exec: SIGKILL it when the benchmark dies, so a run
    killed at a test's timeout leaves no server or operator behind."""
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def now_iso():
    """The audit log's time format, to compare as strings."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def wait_for(what, pred, timeout, interval=0.01):
    """Polls pred() until it is truthy (returns it) or timeout seconds pass."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise BenchError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


# ---- processes -------------------------------------------------------------

def terminate(proc, timeout):
    """SIGTERM, then SIGKILL after timeout seconds; reaps it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def proc_sample(pid):
    """CPU seconds (user+system), RSS and peak RSS (bytes) of a live pid."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
    rss = hwm = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
    return {"cpu": cpu, "rss": rss, "hwm": hwm}


class ApiServer:
    def __init__(self, args, workdir, load_dirs):
        self.dir = workdir
        self.ca = os.path.join(workdir, "ca.pem")
        self.kubeconfig = os.path.join(workdir, "kubeconfig")
        self.audit = os.path.join(workdir, "audit.log")
        tokens = os.path.join(workdir, "tokens.csv")
        groups = '"system:serviceaccounts,system:serviceaccounts:%s"' % NS_OP
        with open(tokens, "w") as f:
            for role, user in USERS.items():
                f.write("%s,%s,uid-%s,%s\n" % (TOKENS[role], user, role, groups))
        argv = [args.apiserver, "--listen", "127.0.0.1:0", "--token-auth-file", tokens,
                "--kubeconfig-out", self.kubeconfig, "--ca-out", self.ca,
                "--audit-log", self.audit]
        for d in [os.path.join(args.source, "deploy/crds"),
                  os.path.join(args.source, "deploy/rbac")] + load_dirs:
            argv += ["--load", d]
        self.log = open(os.path.join(workdir, "apiserver.log"), "w")
        self.t_spawn = time.monotonic()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log,
                                     preexec_fn=die_with_us)

    def start(self):
        """Waits for the server to listen; the caller stops it either way."""
        line = self._read_line(600)
        m = re.match(r"listening https://127\.0\.0\.1:(\d+)", line)
        if not m:
            raise BenchError("mgo-test-apiserver said %r" % line)
        self.start_seconds = time.monotonic() - self.t_spawn
        self.port = int(m.group(1))
        with open(self.kubeconfig) as f:
            self.admin_token = re.search(r"token:\s*(\S+)", f.read()).group(1)
        self.ssl = ssl.create_default_context(cafile=self.ca)
        self.local = threading.local()

    def _read_line(self, timeout):
        fd = self.proc.stdout.fileno()
        buf = b""
        end = time.monotonic() + timeout
        while not buf.endswith(b"\n"):
            left = end - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise BenchError("mgo-test-apiserver did not say it listens")
            chunk = os.read(fd, 1)
            if not chunk:
                raise BenchError("mgo-test-apiserver exited while starting")
            buf += chunk
        return buf.decode()

    def connect(self, timeout=60):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ssl,
                                           timeout=timeout)

    def call(self, method, path, body=None, ctype="application/json"):
        """One request as admin on this thread's connection: (code, json)."""
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = self.connect()
        headers = {"Authorization": "Bearer " + self.admin_token, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = ctype
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        text = resp.read()
        try:
            return resp.status, json.loads(text) if text else None
        except ValueError:
            return resp.status, None

    def must(self, method, path, body=None, ctype="application/json", ok=(200, 201)):
        code, out = self.call(method, path, body, ctype)
        if code not in ok:
            raise BenchError("%s %s: %d %s" % (method, path, code,
                                               (out or {}).get("message", "")))
        return out

    def pid(self):
        return self.proc.pid

    def stop(self):
        terminate(self.proc, 30)
        self.proc.stdout.close()
        self.log.close()


class Watch(threading.Thread):
    """A watch stream as admin; calls on_event(type, obj, monotonic time)."""

    def __init__(self, api, path, on_event):
        super().__init__(daemon=True)
        self.conn = api.connect(timeout=None)
        self.conn.request("GET", path, headers={"Authorization": "Bearer " + api.admin_token})
        self.resp = self.conn.getresponse()
        if self.resp.status != 200:
            raise BenchError("watch %s: %d" % (path, self.resp.status))
        self.on_event = on_event
        self.stopping = False

    def run(self):
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                ev = json.loads(line)
                self.on_event(ev["type"], ev["object"], time.monotonic())
        except (OSError, ValueError, http.client.HTTPException):
            if not self.stopping:
                raise

    def stop(self):
        self.stopping = True
        try:
            self.conn.sock.shutdown(2)
        except OSError:
            pass
        self.join(10)
        self.conn.close()


class Operator:
    """mgo-supervisor with the built children, its log parsed as it comes."""

    def __init__(self, args, api, workdir, run):
        self.dir = os.path.join(workdir, "op-%d" % run)
        os.mkdir(self.dir, 0o700)
        tokfiles = {}
        for role in USERS:
            d = os.path.join(self.dir, role + ".credentials")
            os.mkdir(d, 0o700)
            tokfiles[role] = os.path.join(d, "token")
            fd = os.open(tokfiles[role], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, TOKENS[role].encode())
            os.close(fd)
        server = "https://127.0.0.1:%d" % api.port
        config = os.path.join(self.dir, "config.yaml")
        with open(config, "w") as f:
            f.write("namespace: %s\n" % NS_OP
                    + "defaultImage: quay.io/openshift/origin-must-gather:latest\n"
                    + "operatorImage: quay.io/openshift/must-gather-operator:latest\n"
                    + "socketDir: %s/run\n" % self.dir
                    + "roles:\n"
                    + "".join("  %s: {tokenFile: %s, caFile: %s, server: \"%s\"%s}\n"
                              % (r, tokfiles[r], api.ca, server,
                                 ", qps: %d" % args.launcher_qps
                                 if r == "launcher" and getattr(args, "launcher_qps", 0)
                                 else "") for r in USERS)
                    + ("gathers: {maxRunningPerNamespace: %d}\n" % args.max_running_per_ns
                       if getattr(args, "max_running_per_ns", 0) else "")
                    + "supervisor: {readyTimeoutMs: 600000}\n"
                    # any free port: other runs may hold the default one
                    + ("health: {address: 127.0.0.1, port: 0}\n" if args.health else ""))
        self.logpath = os.path.join(self.dir, "operator.log")
        self.log = open(self.logpath, "w")
        argv = [args.supervisor, "--config", config]
        for role in ("validator", "launcher", "watcher"):
            argv += ["--" + role, getattr(args, role)]
        if args.health:
            argv += ["--health", args.health]
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     preexec_fn=die_with_us)
        self.offset = 0
        self.events = []  # (monotonic time seen, parsed line)

    def poll(self):
        with open(self.logpath) as f:
            f.seek(self.offset)
            data = f.read()
        cut = data.rfind("\n") + 1
        self.offset += len(data[:cut].encode())
        t = time.monotonic()
        for line in data[:cut].splitlines():
            try:
                self.events.append((t, json.loads(line)))
            except ValueError:
                pass
        if self.proc.poll() is not None:
            raise BenchError("mgo-supervisor exited (%d); log %s" % (self.proc.returncode,
                                                                    self.logpath))

    def seen(self, event):
        self.poll()
        for t, e in self.events:
            if e.get("event") == event:
                return t, e
        return None

    def wait_ready(self, timeout):
        """Seconds from spawn to supervisor.ready and to launcher.active, and
        the watcher's synced line."""
        ready = wait_for("supervisor.ready", lambda: self.seen("supervisor.ready"), timeout,
                         0.005)
        active = wait_for("launcher.active", lambda: self.seen("launcher.active"), timeout,
                          0.005)
        synced = self.seen("watcher.ready")
        return {"ready": ready[0] - self.t0, "active": active[0] - self.t0,
                "watcher_msg": synced[1].get("msg", "") if synced else ""}

    def pids(self):
        self.poll()
        pids = {"supervisor": self.proc.pid}
        for _, e in self.events:
            if e.get("event") == "supervisor.child.ready":
                pids[e["child"]] = e["child_pid"]
        return pids

    def restarts(self):
        self.poll()
        return sum(1 for _, e in self.events if e.get("event") == "supervisor.child.restarting")

    def stop(self):
        terminate(self.proc, 60)  # the supervisor's grace period ends its children
        self.log.close()


def procs(sample):
    """The operator's processes in a sample: the four of ROLES first, then
    any other child the supervisor runs (so a new one is counted too)."""
    return [k for k in ROLES if k in sample] + sorted(
        k for k in sample if k not in ROLES and k != "apiserver")


def sample_all(op, api):
    out = {name: proc_sample(pid) for name, pid in op.pids().items()}
    out["apiserver"] = proc_sample(api.pid())
    return out


# ---- fixtures --------------------------------------------------------------

def cached_manifests(workdir, count):
    """A --load directory with `count` MustGathers in NS_CACHED, written as
    one List (the server flattens it). A create keeps no status, so
    finish_cached marks them finished afterwards."""
    d = os.path.join(workdir, "cached")
    os.mkdir(d)
    items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS_CACHED}}]
    for i in range(count):
        items.append({"apiVersion": "operator.openshift.io/v1alpha1", "kind": "MustGather",
                      "metadata": {"name": "cached-%05d" % i, "namespace": NS_CACHED},
                      "spec": {}})
    with open(os.path.join(d, "mustgathers.json"), "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": items}, f)
    return d


def finish_cached(api, count, threads=4):
    """Gives the loaded MustGathers the status the launcher writes when a
    gather completed, so the operator caches them and has nothing to do."""
    def cond(kind, status):
        return {"type": kind, "status": status, "reason": "Completed",
                "message": "Job succeeded (set by the benchmark)",
                "lastTransitionTime": "2026-01-01T00:00:00Z", "observedGeneration": 1}
    patch = {"status": {"completed": True, "status": "Completed", "reason": "Completed",
                        "lastUpdate": "2026-01-01T00:00:00Z", "observedGeneration": 1,
                        "conditions": [cond("Running", "False"),
                                       cond("Completed", "True")]}}
    errors = []

    def work(k):
        try:
            for i in range(k, count, threads):
                api.must("PATCH", "%s/namespaces/%s/mustgathers/cached-%05d/status"
                         % (MG_API, NS_CACHED, i), patch, "application/merge-patch+json")
        except (BenchError, OSError, http.client.HTTPException) as e:
            errors.append(e)

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise BenchError("marking the cached MustGathers finished: %s" % errors[0])


def make_namespace(api, name):
    api.must("POST", "/api/v1/namespaces",
             {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    wait_for("the default ServiceAccount of " + name,
             lambda: api.call("GET", "/api/v1/namespaces/%s/serviceaccounts/default"
                              % name)[0] == 200, 30)


def count_cached(api):
    """How many MustGathers of NS_CACHED the server holds, and how many say
    they are completed."""
    out = api.must("GET", "%s/namespaces/%s/mustgathers" % (MG_API, NS_CACHED))
    items = out.get("items", [])
    return len(items), sum(1 for i in items if (i.get("status") or {}).get("completed"))


# ---- measurements ----------------------------------------------------------

def startup_runs(args, api, workdir, runs, live):
    """Starts and stops the operator `runs` times; the timings of each and
    the operator of the last run, left running (and in `live`)."""
    out = []
    op = None
    for i in range(runs):
        if op:
            op.stop()
            live.remove(op)
        op = Operator(args, api, workdir, i)
        live.append(op)
        r = op.wait_ready(600)
        r["sample"] = sample_all(op, api)
        out.append(r)
    return out, op


def bench_namespaces(args):
    """The namespaces the lifecycles spread their MustGathers over."""
    return [NS_BENCH] + ["%s-%d" % (NS_BENCH, i) for i in range(1, args.namespaces)]


def lifecycle(api, op, n, rate, prefix, namespaces=(NS_BENCH,)):
    """n MustGathers named prefix-NNNN through their whole life, created
    `rate` a second (0: as fast as one client can), the i-th in
    namespaces[i % len(namespaces)]."""
    lock = threading.Condition()
    job_added, job_deleted, mg_done = {}, {}, {}

    def on_job(kind, obj, t):
        name = obj.get("metadata", {}).get("name", "")
        if not name.startswith(prefix + "-"):
            return
        with lock:
            if kind == "ADDED":
                job_added.setdefault(name, t)
            elif kind == "DELETED":
                job_deleted.setdefault(name, t)
            lock.notify_all()

    def on_mg(kind, obj, t):
        st = obj.get("status") or {}
        if not obj["metadata"]["name"].startswith(prefix + "-"):
            return
        if kind in ("ADDED", "MODIFIED") and st.get("completed"):
            with lock:
                mg_done.setdefault(obj["metadata"]["name"], (t, st.get("reason")))
                lock.notify_all()

    def wait_count(what, d, want, timeout):
        end = time.monotonic() + timeout
        with lock:
            while len(d) < want:
                left = end - time.monotonic()
                if left <= 0:
                    raise BenchError("timed out waiting for %s: %d of %d" % (what, len(d), want))
                lock.wait(left)

    jw = Watch(api, "/apis/batch/v1/jobs?watch=true", on_job)
    mw = Watch(api, "%s/mustgathers?watch=true" % MG_API, on_mg)
    jw.start()
    mw.start()
    before = sample_all(op, api)
    start_iso = now_iso()
    t_start = time.monotonic()
    created, ns_of = {}, {}
    for i in range(n):
        name = "%s-%04d" % (prefix, i)
        ns = ns_of[name] = namespaces[i % len(namespaces)]
        delay = (t_start + i / rate - time.monotonic()) if rate > 0 else 0
        if delay > 0:
            time.sleep(delay)  # pacing the load, not waiting for a result
        t = time.monotonic()
        api.must("POST", "%s/namespaces/%s/mustgathers" % (MG_API, ns),
                 {"apiVersion": "operator.openshift.io/v1alpha1", "kind": "MustGather",
                  "metadata": {"name": name, "namespace": ns}, "spec": {}})
        created[name] = t
    t_created = time.monotonic()
    timeout = 60 + n  # the launcher does a few lifecycles a second
    wait_count("Jobs", job_added, n, timeout)
    t_jobs = time.monotonic()
    for name in created:
        api.must("PATCH", "/apis/batch/v1/namespaces/%s/jobs/%s/status" % (ns_of[name], name),
                 {"status": {"succeeded": 1, "conditions": [{"type": "Complete",
                                                              "status": "True"}]}},
                 "application/merge-patch+json")
    wait_count("Completed MustGathers", mg_done, n, timeout)
    wait_count("Job deletions", job_deleted, n, timeout)
    t_end = time.monotonic()
    # A watch can deliver a DELETED before the deleting request's audit line
    # is written (the server logs when the response starts): wait for them.
    wait_for("the launcher's Job deletions in the audit log",
             lambda: sum(c for (role, verb, res, code), c
                         in audit_counts(api, start_iso, now_iso()).items()
                         if (role, verb, res) == ("launcher", "delete", "jobs")) >= n, 10)
    end_iso = now_iso()
    after = sample_all(op, api)
    jw.stop()
    mw.stop()
    lat = sorted((job_added[k] - created[k]) * 1000.0 for k in created)
    reasons = {}
    for _, reason in mg_done.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    return {"n": n, "rate": rate, "latency_ms": lat, "reasons": reasons,
            "namespaces": len(namespaces),
            "created_seconds": t_created - t_start, "create_seconds": t_jobs - t_start,
            "total_seconds": t_end - t_start, "audit": audit_counts(api, start_iso, end_iso),
            "cpu": {k: after[k]["cpu"] - before[k]["cpu"] for k in after},
            "after": after}


def audit_counts(api, start_iso, end_iso):
    """Requests of the operator's users between the two times: {(role, verb,
    resource[/sub], code): count}."""
    out = {}
    byuser = {u: r for r, u in USERS.items()}
    with open(api.audit) as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if not start_iso <= e["time"] <= end_iso or e["user"] not in byuser:
                continue
            res = e["resource"] + ("/" + e["subresource"] if e["subresource"] else "")
            key = (byuser[e["user"]], e["verb"], res, e["code"])
            out[key] = out.get(key, 0) + 1
    return out


def steady(args, api, op):
    """CPU and memory over a quiet window with everything cached."""
    a = sample_all(op, api)
    t0 = time.monotonic()
    time.sleep(args.steady)  # the window being measured
    b = sample_all(op, api)
    dt = time.monotonic() - t0
    return {"seconds": dt, "before": a, "after": b,
            "cpu_rate": {k: (b[k]["cpu"] - a[k]["cpu"]) / dt for k in b}}


# ---- report ----------------------------------------------------------------

def ceil_to(x, step):
    return int(math.ceil(x / step) * step)


def mib(b):
    return b / (1024.0 * 1024.0)


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def bars(rows, unit, width=50):
    """An ASCII bar chart of (label, value) rows."""
    top = max([v for _, v in rows] + [1e-9])
    lw = max(len(label) for label, _ in rows)
    lines = []
    for label, v in rows:
        lines.append("%-*s |%-*s %.3g %s" % (lw, label, width, "#" * int(round(v / top * width)),
                                              v, unit))
    return "\n".join(lines)


def histogram(vals, buckets=12, width=50):
    lo, hi = min(vals), max(vals)
    step = (hi - lo) / buckets or 1.0
    counts = [0] * buckets
    for v in vals:
        counts[min(buckets - 1, int((v - lo) / step))] += 1
    rows = [("%7.1f-%7.1f ms" % (lo + i * step, lo + (i + 1) * step), c)
            for i, c in enumerate(counts)]
    return bars(rows, "MustGathers", width)


def machine(args):
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    btype = cc = "?"
    cache = os.path.join(args.build, "CMakeCache.txt")
    if os.path.exists(cache):
        with open(cache) as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:"):
                    # empty: CMakeLists.txt's default
                    btype = line.split("=", 1)[1].strip() or "RelWithDebInfo"
                elif line.startswith("CMAKE_C_COMPILER:"):
                    cc = line.split("=", 1)[1].strip()
    try:
        commit = subprocess.run(["git", "-C", args.source, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    return {"cores": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "build_type": btype, "compiler": cc, "commit": commit,
            "loadavg": open("/proc/loadavg").read().split()[:3]}


def proc_table(sample, title_rss="RSS"):
    lines = ["| process | CPU s | %s MiB | peak RSS (VmHWM) MiB |" % title_rss,
             "|---|---:|---:|---:|"]
    for k in procs(sample) + ["apiserver"]:
        s = sample[k]
        lines.append("| %s | %.2f | %.1f | %.1f |" % (k, s["cpu"], mib(s["rss"]),
                                                     mib(s["hwm"])))
    return "\n".join(lines)


def per_act(life):
    """Successful launcher requests per launch and per finish. A launch
    patches the status, creates the Job and an Event; a finish patches the
    status, creates an Event and deletes the Job: status and Event counts
    split evenly between the two."""
    def count(verb, res):
        return sum(v for (role, vb, rs, code), v in life["audit"].items()
                   if role == "launcher" and code < 300 and (vb, rs) == (verb, res))
    shared = (count("create", "events") + count("patch", "mustgathers/status")) / 2.0
    return ((count("create", "jobs") + shared) / life["n"],
            (count("delete", "jobs") + shared) / life["n"])


# The writes one lifecycle needs: the launch's status, Job and Event, the
# finish's status, Event and Job deletion.
WRITES_NEEDED = {("patch", "mustgathers/status"): 2, ("create", "jobs"): 1,
                 ("create", "events"): 2, ("delete", "jobs"): 1}


def per_lifecycle(life):
    """The launcher's writes per lifecycle against what one needs, its
    verification reads (the monitor's, docs/monitor.md) apart, the
    watcher's fresh reads, and every 404 or 409."""
    n = life["n"]
    writes, reads, watcher, errors = {}, {}, 0, {}
    for (role, verb, res, code), c in life["audit"].items():
        if res == "leases" or verb in ("watch", "list"):
            continue
        if code in (404, 409):
            errors[(role, verb, res, code)] = errors.get((role, verb, res, code), 0) + c
        if role == "watcher":
            watcher += c
        elif verb == "get":
            reads[res] = reads.get(res, 0) + c
        else:
            writes[(verb, res)] = writes.get((verb, res), 0) + c
    lines = ["Per lifecycle, against what one needs (writes), with the launcher's "
             "verification reads (the monitor's, [docs/monitor.md](../docs/monitor.md)) "
             "shown apart:\n",
             "| requests | per MustGather | needed | repeated |", "|---|---:|---:|---:|"]
    repeated = 0.0
    for key in sorted(set(writes) | set(WRITES_NEEDED)):
        got = writes.get(key, 0) / n
        need = WRITES_NEEDED.get(key, 0)
        repeated += max(0.0, got - need)
        lines.append("| launcher %s %s | %.2f | %d | %.2f |" % (key[0], key[1], got, need,
                                                                max(0.0, got - need)))
    for res in sorted(reads):
        lines.append("| launcher get %s (verification read) | %.2f | | |" % (res, reads[res] / n))
    lines.append("| watcher get (fresh reads) | %.2f | | |" % (watcher / n))
    lines.append("| **404 and 409 answers** | **%.2f** | 0 | |"
                 % (sum(errors.values()) / n))
    lines.append("| **repeated writes** | **%.2f** | 0 | |" % repeated)
    for (role, verb, res, code), c in sorted(errors.items()):
        lines.append("| %s %s %s %d | %.2f | 0 | |" % (role, verb, res, code, c / n))
    return "\n".join(lines) + "\n"


def run_options():
    """This run's options as run.sh would be given them: without the
    paths of the tree, the programs and the report."""
    paths = {"--source", "--build", "--apiserver", "--health", "--update", "--out"}
    paths |= {"--" + role for role in ROLES}
    out, skip = [], False
    for a in sys.argv[1:]:
        if skip:
            skip = False
        elif a in paths:
            skip = True
        elif a.split("=")[0] not in paths:
            out.append(a)
    return out


def report(args, facts, empty, cached, paced, burst, stead, cached_n, cached_done, load_s):
    out = []
    w = out.append
    w("# mgo benchmarks\n")
    w("Written by `bash bench/run.sh` (bench/README.md says what each number is). "
      "Not timed tests: numbers from one run on a shared machine. The sections this "
      "run wrote are rewritten by the next; other sections and each \"### Later\" "
      "subsection are written by hand and kept (bench/report.py). This run:\n")
    w("```\nbash bench/run.sh %s\n```\n" % " ".join(shlex.quote(a) for a in run_options()))
    w("## Machine\n")
    w("| | |\n|---|---|")
    w("| cores | %d (%s) |" % (facts["cores"], facts["cpu"]))
    w("| kernel | %s |" % facts["kernel"])
    w("| build | %s, %s (the tests' build: `cmake -S . -B build`) |"
      % (facts["build_type"], facts["compiler"]))
    w("| commit | %s |" % facts["commit"])
    w("| load average at start, at end | %s; %s (other work shares the machine) |"
      % (" ".join(facts["loadavg"]), " ".join(open("/proc/loadavg").read().split()[:3])))
    w("| date | %s |" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    w("")

    w("## Start-up to ready\n")
    w("From spawning mgo-supervisor to its `supervisor.ready` line (validator, launcher "
      "and watcher ready, the watcher's informers synced) and to `launcher.active` (Lease "
      "held, the operator acts). %d runs each; the cached server holds %d finished "
      "MustGathers (%d say completed), loaded by `--load` in %.1f s.\n"
      % (len(empty), cached_n, cached_done, load_s))
    w("| MustGathers present | run | ready s | active s | watcher says |")
    w("|---:|---:|---:|---:|---|")
    for label, runs in (("0", empty), (str(cached_n), cached)):
        for i, r in enumerate(runs):
            w("| %s | %d | %.3f | %.3f | %s |" % (label, i + 1, r["ready"], r["active"],
                                                  r["watcher_msg"]))
    w("")
    rows = [("0 MGs, median", statistics.median(r["ready"] for r in empty)),
            ("%s MGs, median" % cached_n, statistics.median(r["ready"] for r in cached))]
    w("```\n" + bars(rows, "s to ready") + "\n```\n")

    w("## Latency: MustGather created -> Job created\n")
    w("Time from sending a MustGather's create to its Job's ADDED event on an admin "
      "watch, spread in turn over %d namespace(s) of an otherwise empty cache. **Paced**: "
      "created at a steady rate. **Burst**: created as fast as one client can, so they "
      "queue. After the Jobs exist the benchmark completes them and waits for every "
      "MustGather `Completed` and every Job deleted by the operator.\n" % paced["namespaces"])
    w("| run | MustGathers | created in | all Jobs after | lifecycle done after "
      "| p50 | p90 | p99 | max | outcomes |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for label, life in (("paced %g/s" % paced["rate"], paced), ("burst", burst)):
        lat = life["latency_ms"]
        w("| %s | %d | %.1f s | %.1f s | %.1f s | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %s |"
          % (label, life["n"], life["created_seconds"], life["create_seconds"],
             life["total_seconds"], pct(lat, 50), pct(lat, 90), pct(lat, 99), lat[-1],
             ", ".join("%s %d" % kv for kv in sorted(life["reasons"].items()))))
    w("")
    for label, life in (("paced", paced), ("burst", burst)):
        w("Latency histogram, %s:\n" % label)
        w("```\n" + histogram(life["latency_ms"]) + "\n```\n")
    launcher_reqs = sum(c for (role, verb, res, code), c in burst["audit"].items()
                        if role == "launcher" and verb != "watch")
    w("Throughput: the burst's %d lifecycles took %.1f s, %.1f MustGathers/s end to end "
      "(%.1f Jobs/s created). Every launch is %.1f writes and every finish %.1f more "
      "(table below); the launcher made %d requests in the burst's %.1f s, %.1f/s, under "
      "its client's default limit (`roles.launcher.qps` 500, burst 1000).\n"
      % (burst["n"], burst["total_seconds"], burst["n"] / burst["total_seconds"],
         burst["n"] / burst["create_seconds"], per_act(paced)[0], per_act(paced)[1],
         launcher_reqs, burst["total_seconds"], launcher_reqs / burst["total_seconds"]))

    life = paced
    w("## API requests per MustGather lifecycle\n")
    w("From the test server's audit log, the operator's requests between the first "
      "create and the last Job deletion of the paced run, divided by %d. Leases are the "
      "launcher's leader election (time-based, not per MustGather); watches are "
      "long-lived streams opened at start-up.\n" % life["n"])
    w("| process | verb | resource | code | requests | per MustGather |")
    w("|---|---|---|---:|---:|---:|")
    total = 0
    for (role, verb, res, code), c in sorted(life["audit"].items()):
        w("| %s | %s | %s | %d | %d | %.2f |" % (role, verb, res, code, c, c / life["n"]))
        if res != "leases" and verb != "watch":
            total += c
    w("| **all but leases and watches** | | | | %d | **%.2f** |" % (total, total / life["n"]))
    w("")
    byverb = {}
    for (role, verb, res, _), c in life["audit"].items():
        if res != "leases" and verb != "watch":
            byverb[verb] = byverb.get(verb, 0) + c / life["n"]
    w("```\n" + bars(sorted(byverb.items()), "requests/MustGather") + "\n```\n")
    w(per_lifecycle(life))
    w("CPU seconds per phase:\n")
    w("| process | paced: CPU s | ms per MustGather | burst: CPU s | ms per MustGather |")
    w("|---|---:|---:|---:|---:|")
    for k in procs(paced["cpu"]) + ["apiserver"]:
        w("| %s | %.2f | %.2f | %.2f | %.2f |" % (
            k, paced["cpu"][k], paced["cpu"][k] * 1000 / paced["n"], burst["cpu"][k],
            burst["cpu"][k] * 1000 / burst["n"]))
    op_p = sum(paced["cpu"][k] for k in procs(paced["cpu"]))
    op_b = sum(burst["cpu"][k] for k in procs(burst["cpu"]))
    w("| **operator (all its processes)** | %.2f | **%.2f** | %.2f | **%.2f** |" % (
        op_p, op_p * 1000 / paced["n"], op_b, op_b * 1000 / burst["n"]))
    w("")

    w("## CPU and memory per process with MustGathers cached\n")
    s_end = stead["after"]
    w("With %d MustGathers cached. Cumulative CPU since each process started (start-up, "
      "informer lists included) and memory after a %.0f s quiet window following "
      "`launcher.active`; the test API server holding the same objects beside them.\n"
      % (cached_n, stead["seconds"]))
    w(proc_table(s_end, "steady RSS"))
    w("")
    w("CPU while idle with everything cached (over %.0f s):\n" % stead["seconds"])
    w("| process | CPU ms/s (millicores) |\n|---|---:|")
    for k in procs(stead["cpu_rate"]) + ["apiserver"]:
        w("| %s | %.2f |" % (k, stead["cpu_rate"][k] * 1000))
    w("")
    e_end = empty[-1]["sample"]
    w("For comparison, at ready with nothing cached (last empty start-up run):\n")
    w(proc_table(e_end))
    w("")
    rows = []
    for k in procs(s_end):
        rows.append(("%s (0)" % k, mib(e_end[k]["rss"])))
        rows.append(("%s (%d)" % (k, cached_n), mib(s_end[k]["rss"])))
    w("```\n" + bars(rows, "MiB RSS") + "\n```\n")
    wd = s_end["watcher"]["rss"] - e_end["watcher"]["rss"]
    w("The watcher's cache costs about %.0f bytes per cached MustGather "
      "((steady RSS with %d) - (RSS with 0)) / %d.\n" % (wd / max(cached_n, 1), cached_n,
                                                       cached_n))

    ops = procs(s_end)
    op_rss = sum(s_end[k]["rss"] for k in ops)
    op_hwm = sum(max(s_end[k]["hwm"], burst["after"][k]["hwm"]) for k in ops)
    idle_mc = sum(stead["cpu_rate"][k] for k in ops) * 1000
    busy_mc = sum(burst["cpu"][k] for k in ops) / burst["total_seconds"] * 1000
    start_cpu = sum(cached[-1]["sample"][k]["cpu"] for k in ops)
    w("## Sizing the operator's container\n")
    w("The supervisor and its children share one container, so its figures are their sums:\n")
    w("| | value |\n|---|---:|")
    w("| steady RSS, %d MustGathers cached | %.1f MiB |" % (cached_n, mib(op_rss)))
    w("| peak RSS (sum of each process's VmHWM) | %.1f MiB |" % mib(op_hwm))
    w("| CPU idle, everything cached | %.1f millicores |" % idle_mc)
    w("| CPU during the burst (launcher-bound throughput) | %.0f millicores |" % busy_mc)
    w("| CPU seconds from spawn to ready with %d cached | %.2f s |" % (cached_n, start_cpu))
    w("")
    per_mg = max(wd / max(cached_n, 1), 0)
    req_mem = ceil_to(mib(op_rss) * 1.5, 32)
    lim_mem = ceil_to(max(mib(op_hwm) * 2, mib(op_hwm) + mib(per_mg * 100000)), 64)
    req_cpu = ceil_to(max(busy_mc, 1) * 1.5, 10)
    lim_cpu = ceil_to(max(500, round(start_cpu * 2000)), 100)
    w("Recommended for the container (rules, so a re-run re-derives them):\n")
    w("| | value | rule |\n|---|---:|---|")
    w("| requests.memory | %dMi | 1.5 x the steady RSS with %d cached |" % (req_mem, cached_n))
    w("| limits.memory | %dMi | the larger of 2 x peak RSS and peak + 100k MustGathers at "
      "%.0f bytes each in the watcher |" % (lim_mem, per_mg))
    w("| requests.cpu | %dm | 1.5 x the burst's use, the most the launcher's client QPS "
      "lets the operator do |" % req_cpu)
    w("| limits.cpu | %dm | at least 500m, and the start-up's CPU seconds with %d cached "
      "in half a second |" % (lim_cpu, cached_n))
    w("")
    return "\n".join(out)


def program_args(ap):
    """The options naming the tree and the programs (bench.py, failover.py)."""
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--source", default=os.path.dirname(here))
    ap.add_argument("--build", default=os.path.join(os.path.dirname(here), "build"))
    ap.add_argument("--apiserver", help="default: BUILD/tests/apiserver/mgo-test-apiserver")
    for role in ROLES:
        ap.add_argument("--" + role, help="default: BUILD/%s/mgo-%s" % (role, role))
    ap.add_argument("--health", help="default: BUILD/health/mgo-health if the build has it; "
                    "\"\": none (a supervisor from before mgo-health)")


def programs(args):
    """Fills in the programs program_args left unset, from the build."""
    args.build = os.path.abspath(args.build)
    if not args.apiserver:
        args.apiserver = os.path.join(args.build, "tests/apiserver/mgo-test-apiserver")
    for role in ROLES:
        if not getattr(args, role):
            setattr(args, role, os.path.join(args.build, role, "mgo-" + role))
    if args.health is None and os.path.exists(os.path.join(args.build, "health/mgo-health")):
        args.health = os.path.join(args.build, "health/mgo-health")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    program_args(ap)
    ap.add_argument("--mustgathers", type=int, default=100, help="paced MustGathers")
    ap.add_argument("--rate", type=float, default=2.0, help="their creations per second")
    ap.add_argument("--burst", type=int, default=200, help="MustGathers created at once")
    ap.add_argument("--namespaces", type=int, default=1,
                    help="namespaces the MustGathers are spread over, in turn (the "
                    "launcher runs gathers.maxRunningPerNamespace, 10, in each at once)")
    ap.add_argument("--cached", type=int, default=10000, help="finished MustGathers loaded")
    ap.add_argument("--startups", type=int, default=3, help="start-up runs per server")
    ap.add_argument("--steady", type=float, default=20.0, help="quiet window, seconds")
    ap.add_argument("--out", help="write the report here (default: stdout)")
    ap.add_argument("--update", metavar="REPORT",
                    help="rewrite this report's generated sections, keeping every other "
                    "section and each \"### Later\" subsection (bench/report.py)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    programs(args)
    facts = machine(args)
    workdir = tempfile.mkdtemp(prefix="mgo-bench-")
    live = []
    try:
        print("bench: work directory %s" % workdir, file=sys.stderr)
        d1 = os.path.join(workdir, "empty")
        os.mkdir(d1)
        api = ApiServer(args, d1, [])
        live.append(api)
        api.start()
        for ns in bench_namespaces(args):
            make_namespace(api, ns)
        print("bench: start-up with 0 MustGathers", file=sys.stderr)
        empty, op = startup_runs(args, api, d1, args.startups, live)
        print("bench: %d MustGathers at %g/s" % (args.mustgathers, args.rate), file=sys.stderr)
        paced = lifecycle(api, op, args.mustgathers, args.rate, "paced", bench_namespaces(args))
        print("bench: a burst of %d MustGathers" % args.burst, file=sys.stderr)
        burst = lifecycle(api, op, args.burst, 0, "burst", bench_namespaces(args))
        if op.restarts():
            raise BenchError("a child restarted during the lifecycle phase; see %s" % op.logpath)
        op.stop()
        api.stop()
        live.clear()

        d2 = os.path.join(workdir, "cached")
        os.mkdir(d2)
        print("bench: loading %d MustGathers" % args.cached, file=sys.stderr)
        api = ApiServer(args, d2, [cached_manifests(d2, args.cached)])
        live.append(api)
        api.start()
        finish_cached(api, args.cached)
        cached_n, cached_done = count_cached(api)
        print("bench: start-up with %d MustGathers" % cached_n, file=sys.stderr)
        cached, op = startup_runs(args, api, d2, args.startups, live)
        print("bench: steady window of %.0f s" % args.steady, file=sys.stderr)
        stead = steady(args, api, op)
        if op.restarts():
            raise BenchError("a child restarted; see %s" % op.logpath)
        text = report(args, facts, empty, cached, paced, burst, stead, cached_n, cached_done,
                      api.start_seconds)
        if args.update:
            report_md.update(args.update, text)
        if args.out:
            with open(args.out, "w") as f:
                f.write(text + "\n")
        elif not args.update:
            print(text)
    except BenchError as e:
        print("bench: %s" % e, file=sys.stderr)
        args.keep = True
        return 1
    finally:
        for p in reversed(live):
            p.stop()
        if args.keep:
            print("bench: kept %s" % workdir, file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
