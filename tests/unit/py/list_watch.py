#!/usr/bin/python3
"""The Python kubernetes client (Debian's python3-kubernetes) against the
test API server: list the MustGathers of a namespace, create one, and see
it arrive on a watch started from the list's resourceVersion; or, in
"expired" mode, see a watch from a compacted resourceVersion end in 410.

usage: list_watch.py list NAMESPACE EXPECTED_COUNT
       list_watch.py expired NAMESPACE RESOURCE_VERSION
Prints what it saw; exits 0 only when everything matched."""
import sys

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

GROUP, VERSION, PLURAL = "operator.openshift.io", "v1alpha1", "mustgathers"


def list_and_watch(api, ns, expected):
    lst = api.list_namespaced_custom_object(GROUP, VERSION, ns, PLURAL)
    names = sorted(item["metadata"]["name"] for item in lst["items"])
    print("LIST", " ".join(names))
    if len(names) != expected:
        print("want %d objects" % expected)
        return 1
    rv = lst["metadata"]["resourceVersion"]
    body = {"apiVersion": GROUP + "/" + VERSION, "kind": "MustGather",
            "metadata": {"name": "from-python"}, "spec": {}}
    api.create_namespaced_custom_object(GROUP, VERSION, ns, PLURAL, body)
    w = watch.Watch()
    for ev in w.stream(api.list_namespaced_custom_object, GROUP, VERSION, ns, PLURAL,
                       resource_version=rv, timeout_seconds=30):
        name = ev["object"]["metadata"]["name"]
        print("EVENT", ev["type"], name)
        if ev["type"] == "ADDED" and name == "from-python":
            w.stop()
            return 0
    print("the watch ended without the new object")
    return 1


def expired(api, ns, rv):
    w = watch.Watch()
    try:
        for ev in w.stream(api.list_namespaced_custom_object, GROUP, VERSION, ns, PLURAL,
                           resource_version=rv, timeout_seconds=10):
            print("EVENT", ev["type"])
    except ApiException as e:
        print("EXPIRED", e.status)
        return 0 if e.status == 410 else 1
    print("the watch did not fail")
    return 1


def main():
    config.load_kube_config()
    api = client.CustomObjectsApi()
    mode, ns, arg = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "list":
        return list_and_watch(api, ns, int(arg))
    return expired(api, ns, arg)


if __name__ == "__main__":
    sys.exit(main())
