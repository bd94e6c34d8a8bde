"""Rewrites the generated parts of bench/REPORT.md and keeps the rest.

The report holds two kinds of text: sections a benchmark writes (bench.py's
"## Machine", "## Start-up to ready", ...; failover.py's "## Failover") and
what people wrote by hand beside them: whole "## " sections no script
writes, and "### Later..." subsections under a generated section that say
what changed since its run. A re-run replaces the first kind only:

- the preamble (before the first "## ") is the new one;
- a "## " section the new text has replaces the old one of that heading, in
  the old one's place, with the old one's "### Later" subsections kept
  after it;
- a "## " section only the old report has stays where it was;
- a "## " section only the new text has is added at the end.
"""
import os

LATER = "### Later"


def sections(text):
    """(preamble, [(heading line, body)]) of a Markdown text split at each
    line that starts with "## "."""
    pre, out, cur = [], [], None
    for line in text.split("\n"):
        if line.startswith("## "):
            cur = (line, [])
            out.append(cur)
        elif cur is None:
            pre.append(line)
        else:
            cur[1].append(line)
    return "\n".join(pre), [(h, "\n".join(b)) for h, b in out]


def split_later(body):
    """(generated part, hand-written "### Later" part) of a section's body."""
    at = body.find("\n" + LATER) if not body.startswith(LATER) else 0
    if at < 0:
        return body, ""
    return body[:at], body[at:].lstrip("\n")


def merge(old, new, preamble=True):
    """The report `old` with what `new` generates put in; with
    preamble=False the old preamble stays (new text of sections only)."""
    old_pre, old_secs = sections(old)
    new_pre, new_secs = sections(new)
    fresh = dict(new_secs)
    out = [(new_pre if preamble else old_pre).rstrip("\n")]
    seen = set()
    for head, body in old_secs:
        if head not in fresh:
            out.append(head + "\n" + body.rstrip("\n"))
            continue
        seen.add(head)
        gen = fresh[head].rstrip("\n")
        kept = split_later(body)[1].rstrip("\n")
        out.append(head + "\n" + gen + ("\n\n" + kept if kept else ""))
    for head, body in new_secs:
        if head not in seen:
            out.append(head + "\n" + body.rstrip("\n"))
    return "\n\n".join(p for p in out if p) + "\n"


def update(path, new, preamble=True):
    """merge() into the file at path, written whole or not at all; a
    missing file is the new text alone."""
    try:
        with open(path) as f:
            old = f.read()
    except FileNotFoundError:
        old = ""
    text = merge(old, new, preamble) if old else new.rstrip("\n") + "\n"
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
