#!/usr/bin/env bash
# The demo: the whole operator against the test API server.
#
# Builds, starts mgo-test-apiserver on loopback, installs the CRDs and the
# per-process RBAC with kubectl, starts the operator under mgo-supervisor (its
# three processes, one token per role, authenticated IPC), then shows the
# three outcomes of the custom-image feature:
# a MustGather with the default image, one with an allowed custom image, and
# one with an image the allowlist does not list. The Jobs are completed the
# way the Job controller would (there are no nodes here), and everything is
# stopped and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/deps.sh
if ! command -v kubectl >/dev/null 2>&1; then
  echo "demo: kubectl is needed to drive the demo and is not on PATH" >&2
  exit 1
fi
echo "demo: building..." >&2
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)" >/dev/null
bin=$root/build

work=$(mktemp -d /tmp/mgo-demo-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Waits until the file has the text, or fails after $3 seconds.
wait_for() {
  local file=$1 text=$2 secs=${3:-30}
  for ((i = 0; i < secs * 10; i++)); do
    grep -q -- "$text" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "demo: timed out waiting for '$text' in $file" >&2
  tail -5 "$file" >&2 || true
  exit 1
}

say "starting the test API server"
ns=must-gather-operator
sa="system:serviceaccount:$ns"
groups="system:serviceaccounts,system:serviceaccounts:$ns,system:authenticated"
watcher_token=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
launcher_token=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
umask 077
cat >"$work/tokens.csv" <<EOF
$watcher_token,$sa:mgo-watcher,mgo-watcher-uid,"$groups"
$launcher_token,$sa:mgo-launcher,mgo-launcher-uid,"$groups"
EOF
# one directory per token: each role's sandbox may read its token's directory
mkdir -p "$work/secrets/watcher" "$work/secrets/launcher"
printf '%s' "$watcher_token" >"$work/secrets/watcher/token"
printf '%s' "$launcher_token" >"$work/secrets/launcher/token"
"$bin/tests/apiserver/mgo-test-apiserver" --listen 127.0.0.1:0 \
  --token-auth-file "$work/tokens.csv" --kubeconfig-out "$work/admin.kubeconfig" \
  --ca-out "$work/ca.crt" --audit-log "$work/audit.log" \
  >"$work/apiserver.out" 2>"$work/apiserver.log" &
pids+=($!)
wait_for "$work/apiserver.out" listening
server=$(grep -o 'https://[^ ]*' "$work/apiserver.out")
export KUBECONFIG=$work/admin.kubeconfig
echo "listening on $server"

say "installing the CRDs and the per-process RBAC"
kubectl apply -f deploy/rbac/namespace.yaml
kubectl apply -f deploy/crds/
kubectl wait --for condition=established --timeout=30s crd/mustgathers.operator.openshift.io \
  crd/mustgatherimages.operator.openshift.io >/dev/null
kubectl apply -f deploy/rbac/

say "starting the operator: mgo-supervisor runs validator, launcher, watcher (one token per role)"
cat >"$work/config.yaml" <<EOF
namespace: $ns
defaultImage: quay.io/openshift/origin-must-gather:latest
operatorImage: quay.io/openshift/must-gather-operator:latest
socketDir: $work
health: {address: 127.0.0.1, port: 0}
roles:
  watcher: {tokenFile: $work/secrets/watcher/token, caFile: $work/ca.crt, server: "$server"}
  launcher: {tokenFile: $work/secrets/launcher/token, caFile: $work/ca.crt, server: "$server"}
EOF
# the supervisor's own lines go to stderr, its children's to stdout: one log
"$bin/supervisor/mgo-supervisor" --config "$work/config.yaml" \
  --validator "$bin/validator/mgo-validator" --launcher "$bin/launcher/mgo-launcher" \
  --watcher "$bin/watcher/mgo-watcher" --health "$bin/health/mgo-health" \
  >"$work/operator.log" 2>&1 &
pids+=($!)
wait_for "$work/operator.log" supervisor.ready
wait_for "$work/operator.log" launcher.active
echo "all three ready; the watcher holds a read-only token, the validator none"
echo "IPC is CURVE-authenticated with keys the supervisor minted and handed over on pipes"
grep -h '"event":"sandbox.applied"' "$work"/operator.log |
  /usr/bin/python3 -c 'import json, sys
for line in sys.stdin:
    e = json.loads(line)
    print("%-10s sandboxed: seccomp %d rules, Landlock ABI %d, %d readable paths, fds <= %d"
          % (e["sandbox"], e["seccomp_rules"], e["landlock_abi"], e["read_rules"], e["max_fds"]))'

say "an administrator allows one custom image"
kubectl create namespace team-a >/dev/null
kubectl apply -f - <<'EOF'
apiVersion: operator.openshift.io/v1alpha1
kind: MustGatherImage
metadata:
  name: cluster
spec:
  images:
  - quay.io/my-org/my-custom-must-gather:latest
EOF

say "a user asks for three must-gathers"
kubectl apply -f - <<'EOF'
apiVersion: operator.openshift.io/v1alpha1
kind: MustGather
metadata: {name: default-image, namespace: team-a}
spec: {}
---
apiVersion: operator.openshift.io/v1alpha1
kind: MustGather
metadata: {name: allowed-custom, namespace: team-a}
spec:
  mustGatherImage: quay.io/my-org/my-custom-must-gather:latest
---
apiVersion: operator.openshift.io/v1alpha1
kind: MustGather
metadata: {name: not-allowed, namespace: team-a}
spec:
  mustGatherImage: quay.io/someone-else/gather:latest
EOF
kubectl -n team-a wait --for=jsonpath='{.status.status}'=Running --timeout=30s \
  mg/default-image mg/allowed-custom >/dev/null
kubectl -n team-a wait --for=jsonpath='{.status.status}'=Failed --timeout=30s \
  mg/not-allowed >/dev/null
kubectl -n team-a get mg
echo
kubectl -n team-a get jobs -o custom-columns='JOB:.metadata.name,IMAGE:.spec.template.spec.containers[0].image'

say "the Job controller's part: both Jobs succeed"
for job in default-image allowed-custom; do
  kubectl -n team-a patch job "$job" --subresource=status --type=merge \
    -p '{"status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}}' >/dev/null
done
kubectl -n team-a wait --for=jsonpath='{.status.status}'=Completed --timeout=30s \
  mg/default-image mg/allowed-custom >/dev/null

say "outcomes"
kubectl -n team-a get mg
echo
echo "Jobs left (deleted once recorded, unless retained):"
kubectl -n team-a get jobs 2>&1
say "why the unlisted image was refused (kubectl describe mg not-allowed)"
kubectl -n team-a describe mg not-allowed | sed -n '/^Status:/,$p'

say "what crossed the processes for not-allowed (the IPC log)"
"$bin/mgoctl/mgoctl" ipc --mg team-a/not-allowed "$work"/operator.log

say "done; stopping everything"
