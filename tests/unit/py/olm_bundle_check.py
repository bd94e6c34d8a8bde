#!/usr/bin/python3
"""Checks an OLM bundle against deploy/ (test_olm_bundle runs it).

    olm_bundle_check.py --bundle DIR --deploy KUSTOMIZATION [--regenerated DIR]

--regenerated: a bundle scripts/bundle.py just wrote; every file of it must
be byte for byte the one in --bundle (and the bundle.Dockerfile next to
each), so a change to deploy/ committed without regenerating fails.

Then, independently of scripts/bundle.py, what OLM requires and what
deploy/ says (rendered with `kubectl kustomize KUSTOMIZATION`):
  - the CSV's required fields (operator-framework/api's ClusterServiceVersion
    and the bundle format: name <package>.v<version>, version, displayName,
    description, install strategy "deployment" with the Deployment's spec,
    installModes of all four types with only AllNamespaces supported,
    minKubeVersion, maturity, keywords, maintainers, provider, links,
    alm-examples of owned kinds), metadata/annotations.yaml's
    operators.operatorframework.io.bundle.* keys;
  - every CRD of deploy/ owned (name, storage version, kind, displayName,
    description) and shipped as deploy/ renders it;
  - each ServiceAccount's permissions equal to the rules of the Roles and
    ClusterRoles deploy/ binds to it, and no account with rules left out;
  - only kinds OLM installs from a bundle.
Prints one line per failure and exits 1 if there is any.
"""

import argparse
import filecmp
import json
import os
import re
import subprocess
import sys

import yaml

# operator-framework/operator-lifecycle-manager's supported bundle kinds
# (pkg/controller/bundle; NetworkPolicy is refused by OperatorHub's checks)
OLM_KINDS = {"ClusterServiceVersion", "CustomResourceDefinition", "Secret", "ClusterRole",
             "ClusterRoleBinding", "ConfigMap", "ServiceAccount", "Service", "Role",
             "RoleBinding", "PrometheusRule", "ServiceMonitor", "PodDisruptionBudget",
             "PriorityClass", "VerticalPodAutoscaler", "ConsoleYAMLSample",
             "ConsoleQuickStart", "ConsoleCLIDownload", "ConsoleLink"}
BUNDLE_KEYS = ("mediatype.v1", "manifests.v1", "metadata.v1", "package.v1", "channels.v1")

failures = []


def fail(msg):
    failures.append(msg)


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def compare_trees(a, b, rel=""):
    cmp = filecmp.dircmp(os.path.join(a, rel), os.path.join(b, rel))
    for n in cmp.left_only:
        fail("regenerated bundle has %s, the committed one does not" % os.path.join(rel, n))
    for n in cmp.right_only:
        fail("committed bundle has %s, the regenerated one does not" % os.path.join(rel, n))
    for n in cmp.common_files:
        if not filecmp.cmp(os.path.join(a, rel, n), os.path.join(b, rel, n), shallow=False):
            fail("%s differs from what scripts/bundle.py generates now: "
                 "run python3 scripts/bundle.py" % os.path.join(rel, n))
    for n in cmp.common_dirs:
        compare_trees(a, b, os.path.join(rel, n))


def rules_key(rules):
    """Rules as a comparable multiset (order of rules and of lists ignored)."""
    return sorted(json.dumps({k: sorted(v) if isinstance(v, list) else v
                              for k, v in r.items()}, sort_keys=True) for r in rules)


def check_csv(csv, annotations, deploy_docs):
    meta, spec = csv.get("metadata", {}), csv.get("spec", {})
    if csv.get("apiVersion") != "operators.coreos.com/v1alpha1":
        fail("CSV apiVersion is %r" % csv.get("apiVersion"))
    pkg = annotations.get("operators.operatorframework.io.bundle.package.v1", "")
    ver = spec.get("version", "")
    if not re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", ver):
        fail("spec.version %r is not semver" % ver)
    if meta.get("name") != "%s.v%s" % (pkg, ver):
        fail("CSV name %r is not <package>.v<version> (%s.v%s)" % (meta.get("name"), pkg, ver))
    for field in ("displayName", "description", "maturity", "minKubeVersion"):
        if not isinstance(spec.get(field), str) or not spec[field].strip():
            fail("CSV spec.%s is missing" % field)
    if spec.get("minKubeVersion") != "1.25.0":
        fail("minKubeVersion %r is not docs/install.md's 1.25.0" % spec.get("minKubeVersion"))
    if not spec.get("keywords"):
        fail("CSV spec.keywords is empty")
    for m in spec.get("maintainers") or [None]:
        if not m or not m.get("name") or "@" not in m.get("email", ""):
            fail("CSV maintainer %r lacks a name or email" % m)
    if not (spec.get("provider") or {}).get("name"):
        fail("CSV spec.provider.name is missing")
    for link in spec.get("links") or [None]:
        if not link or not link.get("name") or not link.get("url", "").startswith("https://"):
            fail("CSV link %r lacks a name or https url" % link)
    modes = {m.get("type"): m.get("supported") for m in spec.get("installModes", [])}
    if modes != {"OwnNamespace": False, "SingleNamespace": False, "MultiNamespace": False,
                 "AllNamespaces": True}:
        fail("installModes are %r, not AllNamespaces only" % modes)
    if not meta.get("annotations", {}).get("operatorframework.io/suggested-namespace"):
        fail("no suggested namespace (the install namespace is fixed by mgo.yaml)")
    ns = [d for d in deploy_docs if d["kind"] == "Namespace"]
    if ns and meta.get("annotations", {}).get("operatorframework.io/suggested-namespace") != \
            ns[0]["metadata"]["name"]:
        fail("the suggested namespace is not deploy/'s %s" % ns[0]["metadata"]["name"])

    install = spec.get("install", {})
    if install.get("strategy") != "deployment":
        fail("install strategy %r is not deployment" % install.get("strategy"))
    deps = {d.get("name"): d.get("spec") for d in install.get("spec", {}).get("deployments", [])}
    for d in deploy_docs:
        if d["kind"] == "Deployment":
            if deps.pop(d["metadata"]["name"], None) != d["spec"]:
                fail("the CSV's Deployment %s is not deploy/'s" % d["metadata"]["name"])
    for name in deps:
        fail("the CSV installs Deployment %s, which deploy/ does not have" % name)


def check_owned(csv, manifests, deploy_docs, deploy):
    owned = {o.get("name"): o for o in
             csv.get("spec", {}).get("customresourcedefinitions", {}).get("owned", [])}
    shipped = {d["metadata"]["name"]: d for d in manifests
               if d["kind"] == "CustomResourceDefinition"}
    for crd in (d for d in deploy_docs if d["kind"] == "CustomResourceDefinition"):
        name = crd["metadata"]["name"]
        o = owned.pop(name, None)
        storage = [v["name"] for v in crd["spec"]["versions"] if v.get("storage")]
        if not o:
            fail("CRD %s is not owned by the CSV" % name)
        else:
            if o.get("version") not in storage or o.get("kind") != crd["spec"]["names"]["kind"]:
                fail("owned %s names %s/%s, not %s/%s" % (name, o.get("version"), o.get("kind"),
                                                          storage, crd["spec"]["names"]["kind"]))
            if not o.get("displayName") or not o.get("description"):
                fail("owned %s has no displayName or description" % name)
        if shipped.pop(name, None) != crd:
            fail("the bundle's CRD %s is not deploy/'s" % name)
    for name in owned:
        fail("the CSV owns %s, which deploy/ does not define" % name)
    # and every file of deploy/crds, rendered or not (a CRD left out of the
    # kustomization would be left out of the bundle too)
    crd_dir = os.path.join(deploy, "crds")
    for f in sorted(os.listdir(crd_dir)) if os.path.isdir(crd_dir) else []:
        for d in load(os.path.join(crd_dir, f)):
            if d.get("kind") == "CustomResourceDefinition" and d["metadata"]["name"] not in \
                    {o.get("name") for o in csv.get("spec", {}).get(
                        "customresourcedefinitions", {}).get("owned", [])}:
                fail("deploy/crds/%s: CRD %s is not owned by the CSV" % (f, d["metadata"]["name"]))
    for name in shipped:
        fail("the bundle ships CRD %s, which deploy/ does not define" % name)
    kinds = {(o.get("version"), o.get("kind")) for o in
             csv.get("spec", {}).get("customresourcedefinitions", {}).get("owned", [])}
    try:
        examples = json.loads(csv["metadata"]["annotations"]["alm-examples"])
    except (KeyError, ValueError) as e:
        fail("alm-examples is not a JSON list: %s" % e)
        examples = []
    for ex in examples:
        if (ex.get("apiVersion", "").split("/")[-1], ex.get("kind")) not in kinds:
            fail("alm-examples has a %s, not an owned kind" % ex.get("kind"))
    if not examples or {k for _, k in kinds} - {ex.get("kind") for ex in examples}:
        fail("alm-examples lacks an example of some owned kind")


def check_permissions(csv, deploy_docs):
    ns = next((d["metadata"]["name"] for d in deploy_docs if d["kind"] == "Namespace"), None)
    roles = {}
    for d in deploy_docs:
        if d["kind"] in ("Role", "ClusterRole"):
            roles[(d["kind"], d["metadata"]["name"])] = d.get("rules", [])
    want = {}  # (clusterPermissions|permissions, account) -> rules
    for b in deploy_docs:
        if b["kind"] not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        field = "clusterPermissions" if b["kind"] == "ClusterRoleBinding" else "permissions"
        rules = roles.get((b["roleRef"]["kind"], b["roleRef"]["name"]))
        if rules is None:
            fail("%s %s binds a role deploy/ lacks" % (b["kind"], b["metadata"]["name"]))
            continue
        for s in b.get("subjects", []):
            if s.get("kind") != "ServiceAccount" or s.get("namespace") != ns:
                fail("%s %s binds %s, which OLM cannot" % (b["kind"], b["metadata"]["name"], s))
                continue
            want.setdefault((field, s["name"]), []).extend(rules)
    got = {}
    spec = csv.get("spec", {}).get("install", {}).get("spec", {})
    for field in ("clusterPermissions", "permissions"):
        for p in spec.get(field, []):
            key = (field, p.get("serviceAccountName"))
            if key in got:
                fail("%s lists %s twice" % key)
            got[key] = p.get("rules", [])
    for key in sorted(set(want) | set(got)):
        if key not in got:
            fail("the CSV's %s lack ServiceAccount %s, which deploy/'s RBAC grants" % key)
        elif key not in want:
            fail("the CSV's %s grant ServiceAccount %s what deploy/ does not" % key)
        elif rules_key(got[key]) != rules_key(want[key]):
            fail("the CSV's %s of %s differ from deploy/'s RBAC" % key)
    pod_sa = [d["spec"]["template"]["spec"].get("serviceAccountName") for d in deploy_docs
              if d["kind"] == "Deployment"]
    for sa in pod_sa:
        if not any(k[1] == sa for k in got):
            fail("the pod's account %s is in no permissions: OLM would not create it" % sa)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--deploy", required=True)
    ap.add_argument("--regenerated")
    a = ap.parse_args()

    if a.regenerated:
        compare_trees(a.regenerated, a.bundle)
        dockerfiles = [os.path.join(os.path.dirname(os.path.normpath(d)), "bundle.Dockerfile")
                       for d in (a.regenerated, a.bundle)]
        if not filecmp.cmp(*dockerfiles, shallow=False):
            fail("bundle.Dockerfile differs from what scripts/bundle.py generates now")

    out = subprocess.run(["kubectl", "kustomize", a.deploy], capture_output=True, text=True)
    if out.returncode:
        print("kubectl kustomize %s: %s" % (a.deploy, out.stderr))
        return 1
    deploy_docs = [d for d in yaml.safe_load_all(out.stdout) if d]

    manifests = []
    mdir = os.path.join(a.bundle, "manifests")
    for f in sorted(os.listdir(mdir)):
        for d in load(os.path.join(mdir, f)):
            if d.get("kind") not in OLM_KINDS:
                fail("%s: OLM does not install a %s from a bundle" % (f, d.get("kind")))
            if d.get("metadata", {}).get("namespace"):
                fail("%s names a namespace: OLM chooses it" % f)
            manifests.append(d)
    csvs = [d for d in manifests if d.get("kind") == "ClusterServiceVersion"]
    ann = (load(os.path.join(a.bundle, "metadata", "annotations.yaml")) or [{}])[0]
    ann = ann.get("annotations", {})
    for k in BUNDLE_KEYS:
        if not ann.get("operators.operatorframework.io.bundle." + k):
            fail("metadata/annotations.yaml lacks operators.operatorframework.io.bundle." + k)
    if ann.get("operators.operatorframework.io.bundle.mediatype.v1") != "registry+v1":
        fail("the bundle's mediatype is not registry+v1")
    if len(csvs) != 1:
        fail("the bundle has %d ClusterServiceVersions, not one" % len(csvs))
    else:
        check_csv(csvs[0], ann, deploy_docs)
        check_owned(csvs[0], manifests, deploy_docs, a.deploy)
        check_permissions(csvs[0], deploy_docs)
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("bundle OK: %d manifests" % len(manifests))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
