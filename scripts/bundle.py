#!/usr/bin/python3
"""Generates the OLM bundle (deploy/olm/bundle/) from deploy/.

    python3 scripts/bundle.py [--out DIR] [--deploy DIR]

Input is what an administrator would apply, `kubectl kustomize deploy/`
(kubectl renders it locally: no cluster, no network), plus the prose of
deploy/olm/csv-base.yaml. Output, in DIR (default deploy/olm/bundle),
replacing what is there:

  manifests/must-gather-operator.clusterserviceversion.yaml
      install strategy "deployment" with the Deployment's spec;
      clusterPermissions and permissions per ServiceAccount, the rules of
      every ClusterRole and Role bound to it; owned CRDs with their
      descriptions and spec/status descriptors from their schemas;
      alm-examples from deploy/samples; minKubeVersion; AllNamespaces only
  manifests/<CRD files>, manifests/<other objects OLM installs>
  metadata/annotations.yaml
  ../bundle.Dockerfile (next to DIR, as operator-sdk lays it out)

What deploy/ has that a bundle cannot carry is left out, and
docs/install.md ("Installing with OLM") says what to do about it: the
Namespace (OLM installs into the namespace of the OperatorGroup; the CSV
suggests must-gather-operator, which mgo.yaml and the RBAC name), the
ServiceAccounts, Roles, ClusterRoles and bindings of the operator's own
accounts (OLM makes them from the CSV's permissions), and the NetworkPolicy
(not a kind OLM installs from bundles). test_olm_bundle regenerates into a
temporary directory and compares.
"""

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "must-gather-operator"
CHANNEL = "alpha"
MIN_KUBE = "1.25.0"  # docs/install.md: deploy/ needs Kubernetes 1.25
RBAC = "rbac.authorization.k8s.io"
# the ClusterRoles for people (deploy/rbac/admin.yaml): shipped as objects,
# bound by the administrator, never to the operator's accounts
BUNDLE_KINDS = ("CustomResourceDefinition", "ConfigMap", "ClusterRole")


def die(msg):
    print("bundle.py: " + msg, file=sys.stderr)
    sys.exit(1)


def kustomize(deploy):
    try:
        out = subprocess.run(["kubectl", "kustomize", deploy], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        die("kubectl kustomize %s: %s" % (deploy, getattr(e, "stderr", "") or e))
    return [d for d in yaml.safe_load_all(out) if d]


def version():
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        m = re.search(r"project\(mgo VERSION ([0-9.]+)", f.read())
    if not m:
        die("no project version in CMakeLists.txt")
    return m.group(1)


def name_of(o):
    return o["metadata"]["name"]


def words(camel):
    """MustGatherImage -> Must Gather Image; caseID -> Case ID."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", camel)
    return s[:1].upper() + s[1:]


def descriptors(schema, field):
    """One descriptor per top-level property of spec or status."""
    props = schema.get("properties", {}).get(field, {}).get("properties", {})
    out = []
    for path in sorted(props):
        d = {"path": path, "displayName": words(path)}
        desc = " ".join(props[path].get("description", "").split())
        if desc:
            d["description"] = desc
        out.append(d)
    return out


def owned(crd):
    spec = crd["spec"]
    ver = next(v for v in spec["versions"] if v.get("storage"))
    schema = ver["schema"]["openAPIV3Schema"]
    o = {
        "name": name_of(crd),
        "version": ver["name"],
        "kind": spec["names"]["kind"],
        "displayName": words(spec["names"]["kind"]),
        "description": " ".join(schema.get("description", "").split()),
    }
    for key, field in (("specDescriptors", "spec"), ("statusDescriptors", "status")):
        d = descriptors(schema, field)
        if d:
            o[key] = d
    return o


def account_rules(docs, namespace):
    """{(scope, sa): [rules]}: scope "cluster" for ClusterRoles bound by a
    ClusterRoleBinding, "namespace" for what RoleBindings of the operator's
    namespace grant. Every subject must be a ServiceAccount there."""
    roles = {(d["kind"], d["metadata"].get("namespace"), name_of(d)): d
             for d in docs if d["kind"] in ("Role", "ClusterRole")}
    out = {}
    for b in docs:
        if b["kind"] not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        ref = b["roleRef"]
        ns = b["metadata"].get("namespace")
        if b["kind"] == "RoleBinding" and ns != namespace:
            die("RoleBinding %s is outside %s" % (name_of(b), namespace))
        role = roles.get((ref["kind"], ns if ref["kind"] == "Role" else None, ref["name"]))
        if not role:
            die("%s %s binds %s %s, which deploy/ does not have"
                % (b["kind"], name_of(b), ref["kind"], ref["name"]))
        scope = "cluster" if b["kind"] == "ClusterRoleBinding" else "namespace"
        for s in b.get("subjects", []):
            if s.get("kind") != "ServiceAccount" or s.get("namespace") != namespace:
                die("%s %s binds %s %s: OLM grants only the CSV's ServiceAccounts"
                    % (b["kind"], name_of(b), s.get("kind"), s.get("name")))
            out.setdefault((scope, s["name"]), []).extend(copy.deepcopy(role["rules"]))
    return out


def examples():
    """The samples of the operator's own kinds (no Secrets), without a
    namespace: the console fills in the one the user is in."""
    samples = os.path.join(ROOT, "deploy", "samples")
    out = []
    for f in sorted(os.listdir(samples)):
        if not f.endswith(".yaml"):
            continue
        with open(os.path.join(samples, f)) as fh:
            for d in yaml.safe_load_all(fh):
                if d and d.get("apiVersion", "").startswith("operator.openshift.io/"):
                    d["metadata"].pop("namespace", None)
                    out.append(d)
    out.sort(key=lambda d: (d["kind"], name_of(d)))
    return out


def file_name(o):
    if o["kind"] == "CustomResourceDefinition":
        return "%s_%s.yaml" % (o["spec"]["group"], o["spec"]["names"]["plural"])
    group, _, ver = o["apiVersion"].rpartition("/")
    return "%s_%s%s_%s.yaml" % (name_of(o), group + "_" if group else "", ver, o["kind"].lower())


class Dumper(yaml.SafeDumper):
    """Multi-line strings (alm-examples, descriptions) as literal blocks."""


Dumper.add_representer(str, lambda d, s: d.represent_scalar(
    "tag:yaml.org,2002:str", s, style="|" if "\n" in s else None))


def dump(path, obj, header=""):
    with open(path, "w") as f:
        f.write(header)
        yaml.dump(obj, f, Dumper=Dumper, sort_keys=True, default_flow_style=False, width=100)


def build(deploy, out):
    docs = kustomize(deploy)
    with open(os.path.join(ROOT, "deploy", "olm", "csv-base.yaml")) as f:
        base = yaml.safe_load(f)
    namespaces = [d for d in docs if d["kind"] == "Namespace"]
    if len(namespaces) != 1:
        die("deploy/ makes %d Namespaces, not one" % len(namespaces))
    namespace = name_of(namespaces[0])
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    if len(deployments) != 1:
        die("deploy/ makes %d Deployments, not one" % len(deployments))
    dep = deployments[0]
    container = dep["spec"]["template"]["spec"]["containers"][0]
    ver = version()

    rules = account_rules(docs, namespace)
    perms = {"cluster": [], "namespace": []}
    for (scope, sa) in sorted(rules):
        perms[scope].append({"serviceAccountName": sa, "rules": rules[(scope, sa)]})
    crds = sorted((d for d in docs if d["kind"] == "CustomResourceDefinition"), key=name_of)
    annotations = dict(base.get("annotations", {}))
    annotations.update({
        "alm-examples": json.dumps(examples(), indent=2, sort_keys=True),
        "containerImage": container["image"],
        "description": " ".join(base["description"].split("\n\n")[0].split()),
        "operatorframework.io/suggested-namespace": namespace,
    })
    csv = {
        "apiVersion": "operators.coreos.com/v1alpha1",
        "kind": "ClusterServiceVersion",
        "metadata": {
            "name": "%s.v%s" % (PACKAGE, ver),
            "annotations": annotations,
            "labels": {"operatorframework.io/arch.amd64": "supported",
                       "operatorframework.io/os.linux": "supported"},
        },
        "spec": {
            "displayName": base["displayName"],
            "description": base["description"],
            "version": ver,
            "minKubeVersion": MIN_KUBE,
            "maturity": base["maturity"],
            "keywords": base["keywords"],
            "maintainers": base["maintainers"],
            "provider": base["provider"],
            "links": base["links"],
            "installModes": [
                {"type": "OwnNamespace", "supported": False},
                {"type": "SingleNamespace", "supported": False},
                {"type": "MultiNamespace", "supported": False},
                {"type": "AllNamespaces", "supported": True},
            ],
            "customresourcedefinitions": {"owned": [owned(c) for c in crds]},
            "install": {
                "strategy": "deployment",
                "spec": {
                    "deployments": [{
                        "name": name_of(dep),
                        "label": dep["metadata"].get("labels", {}),
                        "spec": dep["spec"],
                    }],
                    "clusterPermissions": perms["cluster"],
                    "permissions": perms["namespace"],
                },
            },
        },
    }
    # bound ClusterRoles became permissions; the unbound ones are for people
    bound = {ref for ref in ((b["roleRef"]["kind"], b["roleRef"]["name"]) for b in docs
                             if b["kind"].endswith("RoleBinding"))}
    objects = [d for d in docs if d["kind"] in BUNDLE_KINDS
               and (d["kind"] != "ClusterRole" or ("ClusterRole", name_of(d)) not in bound)]
    for d in objects:
        d["metadata"].pop("namespace", None)  # OLM puts them in the install namespace

    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "manifests"))
    os.makedirs(os.path.join(out, "metadata"))
    header = "# Generated by scripts/bundle.py from deploy/: do not edit.\n"
    dump(os.path.join(out, "manifests", PACKAGE + ".clusterserviceversion.yaml"), csv, header)
    for d in objects:
        dump(os.path.join(out, "manifests", file_name(d)), d, header)
    labels = {
        "operators.operatorframework.io.bundle.mediatype.v1": "registry+v1",
        "operators.operatorframework.io.bundle.manifests.v1": "manifests/",
        "operators.operatorframework.io.bundle.metadata.v1": "metadata/",
        "operators.operatorframework.io.bundle.package.v1": PACKAGE,
        "operators.operatorframework.io.bundle.channels.v1": CHANNEL,
        "operators.operatorframework.io.bundle.channel.default.v1": CHANNEL,
        "com.redhat.openshift.versions": "v4.12",
    }
    dump(os.path.join(out, "metadata", "annotations.yaml"), {"annotations": labels}, header)
    rel = os.path.basename(os.path.normpath(out))
    with open(os.path.join(os.path.dirname(os.path.normpath(out)), "bundle.Dockerfile"), "w") as f:
        f.write(header + "FROM scratch\n\n")
        for k in sorted(labels):
            f.write("LABEL %s=%s\n" % (k, labels[k]))
        f.write("\nCOPY %s/manifests /manifests/\nCOPY %s/metadata /metadata/\n" % (rel, rel))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "deploy", "olm", "bundle"),
                    help="bundle directory (replaced); bundle.Dockerfile goes next to it")
    ap.add_argument("--deploy", default=os.path.join(ROOT, "deploy"),
                    help="the kustomization to render (default: this checkout's deploy/)")
    a = ap.parse_args()
    build(a.deploy, a.out)


if __name__ == "__main__":
    main()
