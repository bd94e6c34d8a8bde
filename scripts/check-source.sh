#!/usr/bin/env bash
# The source rules review holds the tree to, checked (docs/hacking.md):
#   - indentation is tabs, then at most 7 spaces of alignment; no trailing blanks
#     (outside tests/);
#   - <zmq.h> only in the IPC library, <curl/curl.h> only in the Kubernetes
#     client and mgo-upload: what a process may do shows in what it includes;
#   - every function a common library exports is named mgo_*;
#   - every public header has an MGO_*_H include guard.
# Prints each violation as FILE:LINE: RULE and exits 1 if there is one.
set -uo pipefail
cd "${1:-$(dirname "$0")/..}" || exit 2

bad=0
say() { printf '%s\n' "$*"; bad=1; }

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t sources < <(git ls-files --cached --others --exclude-standard -- '*.c' '*.h')
else
  mapfile -t sources < <(find . -name '*.[ch]' -not -path './build*' | sed 's|^\./||')
fi
[ "${#sources[@]}" -gt 0 ] || { echo "no sources found" >&2; exit 2; }

for f in "${sources[@]}"; do
  case "$f" in tests/*) continue ;; esac # the test server's own style predates the rule
  awk -v f="$f" '
    /^\t*        / { printf "%s:%d: indentation: 8 spaces where a tab belongs\n", f, NR; bad = 1 }
    /^ +\t/    { printf "%s:%d: indentation: a space before a tab\n", f, NR; bad = 1 }
    /[ \t]+$/  { printf "%s:%d: trailing whitespace\n", f, NR; bad = 1 }
    END { exit bad }' "$f" || bad=1
done

for f in "${sources[@]}"; do
  case "$f" in tests/*) continue ;; esac
  if grep -q '^#include <zmq.h>' "$f"; then
    case "$f" in common/ipc/*) ;; *) say "$f: includes <zmq.h> outside the IPC library (common/ipc)" ;; esac
  fi
  if grep -q '^#include <curl/curl.h>' "$f"; then
    case "$f" in common/kube/*|launcher/upload/*) ;;
      *) say "$f: includes <curl/curl.h> outside the Kubernetes client and mgo-upload" ;; esac
  fi
done

for f in "${sources[@]}"; do
  case "$f" in common/*/src/*.c) ;; *) continue ;; esac
  # a definition starts in column 0 with its return type and has its name
  # before the first "(" on that line; static ones are file-local; names
  # starting with __ are the sanitizers' hooks
  awk -v f="$f" '
    /^[a-z_][a-z0-9_ \t\*]*[ \*]([a-z_][a-z0-9_]*)\(/ && !/^static/ && !/;[ \t]*$/ && !/^(return|else|if|while|for|switch)/ {
      name = $0; sub(/\(.*/, "", name); sub(/.*[ \*]/, "", name)
      if (name !~ /^mgo_/ && name !~ /^__/) { printf "%s:%d: exported function %s has no mgo_ prefix\n", f, NR, name; bad = 1 }
    }
    END { exit bad }' "$f" || bad=1
done

for f in "${sources[@]}"; do
  case "$f" in common/*/include/mgo/*.h) ;; *) continue ;; esac
  grep -q '^#ifndef MGO_[A-Z0-9_]*_H$' "$f" || say "$f: no MGO_*_H include guard"
done

exit $bad
