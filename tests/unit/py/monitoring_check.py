#!/usr/bin/python3
"""Checks deploy/monitoring against a real scrape (test_e2e_health runs it).

    monitoring_check.py --metrics SCRAPE --rules prometheusrule.yaml
                        --dashboard dashboard.json

SCRAPE is mgo-health's /metrics text from an e2e run. Every metric selector
in every alert expression and dashboard query must name a family the
operator exports (a `# TYPE` line; a histogram's _bucket, _sum and _count),
and every label the query uses with it (matchers, by/without/on/ignoring
lists, {{ $labels.x }} in the alert's annotations, the dashboard's
{{x}} legends) must be on a sample of one of the query's metrics.
Prometheus' own target labels (namespace, pod, ...) are exempt: the scrape
does not carry them, Prometheus adds them.

Not a PromQL parser: a tokenizer that tells metric names from functions,
keywords, label lists and strings, enough for the expressions written here;
an expression it cannot read fails the check rather than passing unread.
Prints one line per failure and per metric used, exits 1 on any failure.
"""

import argparse
import json
import re
import sys

import yaml

TARGET_LABELS = {"namespace", "pod", "instance", "job", "service", "endpoint", "container"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
            "unless", "offset", "inf", "nan"}
AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
                "bottomk", "topk", "quantile"}
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<range>\[[^\]]*\])
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=(){},])
""", re.X)


def tokens(expr):
    pos, out = 0, []
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise ValueError("cannot read %r at %d" % (expr, pos))
        pos = m.end()
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
    return out


def selectors(expr):
    """([(metric, {labels matched})], {labels in grouping lists})."""
    toks = tokens(expr)
    metrics, grouping = [], set()
    i = 0
    while i < len(toks):
        kind, text = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else (None, None)
        if kind == "ident" and text in GROUPING:
            if nxt[1] == "(":
                i += 2
                while i < len(toks) and toks[i][1] != ")":
                    if toks[i][0] == "ident":
                        grouping.add(toks[i][1])
                    elif toks[i][1] != ",":
                        raise ValueError("unexpected %r in %s's label list" % (toks[i][1], text))
                    i += 1
            i += 1
            continue
        if kind == "ident" and (nxt[1] == "(" or text in AGGREGATIONS):
            i += 1  # a function or aggregation
            continue
        if kind == "ident" and text not in KEYWORDS:
            labels = set()
            i += 1
            if i < len(toks) and toks[i][1] == "{":
                i += 1
                while i < len(toks) and toks[i][1] != "}":
                    if toks[i][0] == "ident":
                        labels.add(toks[i][1])
                        if i + 2 >= len(toks) or toks[i + 1][1] not in ("=", "!=", "=~", "!~") \
                                or toks[i + 2][0] != "str":
                            raise ValueError("cannot read the matcher of %s" % toks[i][1])
                        i += 3
                    elif toks[i][1] == ",":
                        i += 1
                    else:
                        raise ValueError("unexpected %r in a matcher" % toks[i][1])
                i += 1
            metrics.append((text, labels))
            continue
        if kind == "op" and text == "{":
            raise ValueError("a selector without a metric name: %s" % expr)
        i += 1
    if not metrics:
        raise ValueError("no metric in %s" % expr)
    return metrics, grouping


def scrape(path):
    """({family: type}, {sample name: set of label names})."""
    types, samples = {}, {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"# TYPE (\S+) (\S+)$", line)
            if m:
                types[m.group(1)] = m.group(2)
                continue
            if not line or line.startswith("#"):
                continue
            m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? \S+$", line)
            if not m:
                raise ValueError("cannot read the scraped line %r" % line)
            names = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"',
                                   m.group(3) or ""))
            samples.setdefault(m.group(1), set()).update(names)
    return types, samples


def family(name, types):
    if name in types:
        return name
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[:-len(suffix)]) == "histogram":
            return name[:-len(suffix)]
    return None


def check(where, expr, extra_labels, types, samples, used, failures):
    try:
        metrics, grouping = selectors(expr)
    except ValueError as e:
        failures.append("%s: %s" % (where, e))
        return
    have = set()
    for name, labels in metrics:
        fam = family(name, types)
        if not fam:
            failures.append("%s: %s is not a metric the operator exports" % (where, name))
            continue
        got = samples.get(name, set())
        used.setdefault(name, name in samples)
        have |= got
        for label in labels - TARGET_LABELS - got:
            failures.append("%s: no %s sample carries label %s" % (where, name, label))
    for label in (grouping | extra_labels) - TARGET_LABELS - have:
        failures.append("%s: label %s is on none of %s" % (where, label,
                                                            ", ".join(n for n, _ in metrics)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--metrics", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--dashboard", required=True)
    a = ap.parse_args()
    types, samples = scrape(a.metrics)
    failures, used = [], {}

    with open(a.rules) as f:
        rule = yaml.safe_load(f)
    n_alerts = 0
    for group in rule["spec"]["groups"]:
        for r in group["rules"]:
            text = " ".join(str(v) for v in r.get("annotations", {}).values())
            labels = set(re.findall(r"\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)", text))
            check("alert " + r.get("alert", r.get("record", "?")), r["expr"], labels, types,
                  samples, used, failures)
            n_alerts += 1
    with open(a.dashboard) as f:
        dash = json.load(f)
    n_queries = 0
    for p in dash["panels"]:
        for t in p.get("targets", []):
            expr = t["expr"].replace("$__rate_interval", "5m")
            labels = set(re.findall(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}",
                                    t.get("legendFormat", "")))
            check("panel %r" % p["title"], expr, labels, types, samples, used, failures)
            n_queries += 1
    if n_alerts == 0 or n_queries == 0:
        failures.append("no alerts or no dashboard queries were read")
    for name in sorted(used):
        print("%s %s" % ("sampled " if used[name] else "declared", name))
    for f in failures:
        print("FAIL: " + f)
    print("%d alerts, %d dashboard queries, %d metrics, %d failures"
          % (n_alerts, n_queries, len(used), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
