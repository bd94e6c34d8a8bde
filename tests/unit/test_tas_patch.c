/* JSON merge patch (the RFC 7386 examples) and strategic merge patch with
 * kube's list keys, directives and ordering, one table row per patch. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "patch.h"
#include "tas_json.h"

static char *dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
}

struct merge_case {
    const char *target, *patch, *want;
};

/* RFC 7386 appendix A, plus a missing target */
static const struct merge_case MERGES[] = {
    {"{'a': 'b'}", "{'a': 'c'}", "{'a': 'c'}"},
    {"{'a': 'b'}", "{'b': 'c'}", "{'a': 'b', 'b': 'c'}"},
    {"{'a': 'b'}", "{'a': null}", "{}"},
    {"{'a': 'b', 'b': 'c'}", "{'a': null}", "{'b': 'c'}"},
    {"{'a': ['b']}", "{'a': 'c'}", "{'a': 'c'}"},
    {"{'a': 'c'}", "{'a': ['b']}", "{'a': ['b']}"},
    {"{'a': {'b': 'c'}}", "{'a': {'b': 'd', 'c': null}}", "{'a': {'b': 'd'}}"},
    {"{'a': [{'b': 'c'}]}", "{'a': [1]}", "{'a': [1]}"},
    {"['a', 'b']", "['c', 'd']", "['c', 'd']"},
    {"{'a': 'b'}", "['c']", "['c']"},
    {"{'a': 'foo'}", "null", "null"},
    {"{'a': 'foo'}", "'bar'", "'bar'"},
    {"{'e': null}", "{'a': 1}", "{'e': null, 'a': 1}"},
    {"[1, 2]", "{'a': 'b', 'c': null}", "{'a': 'b'}"},
    {"{}", "{'a': {'bb': {'ccc': null}}}", "{'a': {'bb': {}}}"},
    {NULL, "{'a': {'b': null, 'c': 1}}", "{'a': {'c': 1}}"},
    {"{'metadata': {'finalizers': ['a', 'b']}}", "{'metadata': {'finalizers': ['c']}}",
     "{'metadata': {'finalizers': ['c']}}"},
};

Test(tas_patch, merge_patch_rfc7386)
{
    for (size_t i = 0; i < sizeof(MERGES) / sizeof(MERGES[0]); i++) {
        json_t *target = MERGES[i].target ? J(MERGES[i].target) : NULL;
        json_t *patch = J(MERGES[i].patch), *want = J(MERGES[i].want);
        json_t *got = tas_merge_patch(target, patch);
        char *s = dump(got);

        cr_expect(json_equal(got, want), "row %zu: got %s", i, s);
        free(s);
        if (target != NULL) {
            json_t *again = J(MERGES[i].target);
            cr_expect(json_equal(target, again), "row %zu: target modified", i);
            json_decref(again);
        }
        json_decref(got);
        json_decref(want);
        json_decref(patch);
        json_decref(target);
    }
}

struct smp_case {
    const char *desc;
    const char *kind;
    const char *target, *patch;
    const char *want; /* NULL: an error */
    int rc;
    const char *err;
};

#define POD2 "{'spec': {'containers': [{'name': 'a', 'image': 'x'}, {'name': 'b', 'image': 'y'}]}}"
#define FIN2 "{'metadata': {'name': 'p', 'finalizers': ['x', 'y']}}"
#define CONTAINERS(list) "{'spec': {'containers': " list "}}"

static const struct smp_case SMP[] = {
    {"maps merge, null deletes", "Pod", "{'metadata': {'labels': {'a': '1', 'b': '2'}}}",
     "{'metadata': {'labels': {'b': null, 'c': '3'}}}", "{'metadata': {'labels': {'a': '1', 'c': '3'}}}", 0, NULL},
    {"null at the top deletes a field", "Job", "{'spec': {'activeDeadlineSeconds': 5, 'backoffLimit': 0}}",
     "{'spec': {'activeDeadlineSeconds': null, 'nothere': null}}", "{'spec': {'backoffLimit': 0}}", 0, NULL},
    {"containers merge by name", "Pod", POD2, CONTAINERS("[{'name': 'b', 'image': 'z'}]"),
     CONTAINERS("[{'name': 'a', 'image': 'x'}, {'name': 'b', 'image': 'z'}]"), 0, NULL},
    {"a new container goes first, as kube orders it", "Pod", POD2,
     CONTAINERS("[{'name': 'c', 'image': 'w'}]"),
     CONTAINERS("[{'name': 'c', 'image': 'w'}, {'name': 'a', 'image': 'x'}, {'name': 'b', 'image': 'y'}]"), 0, NULL},
    {"patch order wins over live order", "Pod", POD2,
     CONTAINERS("[{'name': 'b', 'image': 'z'}, {'name': 'a', 'image': 'q'}]"),
     CONTAINERS("[{'name': 'b', 'image': 'z'}, {'name': 'a', 'image': 'q'}]"), 0, NULL},
    {"$patch delete removes by key, missing keys are ignored", "Pod", POD2,
     CONTAINERS("[{'name': 'a', '$patch': 'delete'}, {'name': 'zz', '$patch': 'delete'}]"),
     CONTAINERS("[{'name': 'b', 'image': 'y'}]"), 0, NULL},
    {"$patch replace replaces the list", "Pod", POD2,
     CONTAINERS("[{'$patch': 'replace'}, {'name': 'n', 'image': 'i'}]"),
     CONTAINERS("[{'name': 'n', 'image': 'i'}]"), 0, NULL},
    {"env merges by name inside a container", "Pod",
     CONTAINERS("[{'name': 'a', 'env': [{'name': 'X', 'value': '1'}, {'name': 'Y', 'value': '2'}]}]"),
     CONTAINERS("[{'name': 'a', 'env': [{'name': 'Y', 'value': '3'}, {'name': 'X', 'value': null,"
                " 'valueFrom': {'fieldRef': {'fieldPath': 'metadata.name'}}}]}]"),
     CONTAINERS("[{'name': 'a', 'env': [{'name': 'Y', 'value': '3'}, {'name': 'X',"
                " 'valueFrom': {'fieldRef': {'fieldPath': 'metadata.name'}}}]}]"), 0, NULL},
    {"volumeMounts merge by mountPath", "Pod",
     CONTAINERS("[{'name': 'a', 'volumeMounts': [{'name': 'v', 'mountPath': '/a'}]}]"),
     CONTAINERS("[{'name': 'a', 'volumeMounts': [{'name': 'v', 'mountPath': '/b'}]}]"),
     CONTAINERS("[{'name': 'a', 'volumeMounts': [{'name': 'v', 'mountPath': '/b'}, {'name': 'v', 'mountPath': '/a'}]}]"), 0, NULL},
    {"ports merge by containerPort", "Pod",
     CONTAINERS("[{'name': 'a', 'ports': [{'containerPort': 80, 'protocol': 'TCP'}]}]"),
     CONTAINERS("[{'name': 'a', 'ports': [{'containerPort': 80.0, 'name': 'http'}]}]"),
     CONTAINERS("[{'name': 'a', 'ports': [{'containerPort': 80, 'protocol': 'TCP', 'name': 'http'}]}]"), 0, NULL},
    {"lists without a strategy are replaced", "Pod", CONTAINERS("[{'name': 'a', 'args': ['x', 'y']}]"),
     CONTAINERS("[{'name': 'a', 'args': ['z']}]"), CONTAINERS("[{'name': 'a', 'args': ['z']}]"), 0, NULL},
    {"initContainers and volumes by name; tolerations replaced", "Pod",
     "{'spec': {'initContainers': [{'name': 'i'}], 'volumes': [{'name': 'v', 'emptyDir': {}}],"
     " 'tolerations': [{'key': 'a'}]}}",
     "{'spec': {'initContainers': [{'name': 'i', 'image': 'b'}], 'volumes': [{'name': 'w', 'secret': {}}],"
     " 'tolerations': [{'key': 'b'}]}}",
     "{'spec': {'initContainers': [{'name': 'i', 'image': 'b'}], 'volumes': [{'name': 'w', 'secret': {}},"
     " {'name': 'v', 'emptyDir': {}}], 'tolerations': [{'key': 'b'}]}}", 0, NULL},
    {"finalizers: a set, new ones first", "Pod", FIN2, "{'metadata': {'finalizers': ['z', 'x']}}",
     "{'metadata': {'name': 'p', 'finalizers': ['z', 'x', 'y']}}", 0, NULL},
    {"finalizers: already present keep the live order", "Pod", FIN2,
     "{'metadata': {'finalizers': ['y', 'z']}}", "{'metadata': {'name': 'p', 'finalizers': ['x', 'y', 'z']}}", 0, NULL},
    {"$deleteFromPrimitiveList removes values", "Job", FIN2,
     "{'metadata': {'$deleteFromPrimitiveList/finalizers': ['x', 'nothere']}}",
     "{'metadata': {'name': 'p', 'finalizers': ['y']}}", 0, NULL},
    {"$deleteFromPrimitiveList on a missing list sets it, as kube does", "Job", "{'metadata': {'name': 'p'}}",
     "{'metadata': {'$deleteFromPrimitiveList/finalizers': ['x']}}",
     "{'metadata': {'name': 'p', 'finalizers': ['x']}}", 0, NULL},
    {"$setElementOrder orders a scalar list", "Pod", FIN2,
     "{'metadata': {'$setElementOrder/finalizers': ['x', 'z', 'y'], 'finalizers': ['z']}}",
     "{'metadata': {'name': 'p', 'finalizers': ['x', 'z', 'y']}}", 0, NULL},
    {"$setElementOrder reorders without content", "Pod", POD2,
     "{'spec': {'$setElementOrder/containers': [{'name': 'b'}, {'name': 'a'}]}}",
     CONTAINERS("[{'name': 'b', 'image': 'y'}, {'name': 'a', 'image': 'x'}]"), 0, NULL},
    {"$setElementOrder places a new container", "Pod", POD2,
     "{'spec': {'$setElementOrder/containers': [{'name': 'a'}, {'name': 'c'}, {'name': 'b'}],"
     " 'containers': [{'name': 'c', 'image': 'w'}]}}",
     CONTAINERS("[{'name': 'a', 'image': 'x'}, {'name': 'c', 'image': 'w'}, {'name': 'b', 'image': 'y'}]"), 0, NULL},
    {"$setElementOrder with deletion (kubectl apply)", "Pod", POD2,
     "{'spec': {'$setElementOrder/containers': [{'name': 'b'}],"
     " 'containers': [{'name': 'a', '$patch': 'delete'}]}}",
     CONTAINERS("[{'name': 'b', 'image': 'y'}]"), 0, NULL},
    {"$setElementOrder on a list the object lacks", "Pod", "{'spec': {}}",
     "{'spec': {'$setElementOrder/containers': [{'name': 'a'}], 'containers': [{'name': 'a', 'image': 'x'}]}}",
     CONTAINERS("[{'name': 'a', 'image': 'x'}]"), 0, NULL},
    {"ownerReferences merge by uid", "Job",
     "{'metadata': {'ownerReferences': [{'uid': '1', 'name': 'a'}]}}",
     "{'metadata': {'ownerReferences': [{'uid': '2', 'name': 'b'}, {'uid': '1', 'controller': true}]}}",
     "{'metadata': {'ownerReferences': [{'uid': '2', 'name': 'b'}, {'uid': '1', 'name': 'a', 'controller': true}]}}", 0, NULL},
    {"$patch replace in a map", "Pod", "{'spec': {'securityContext': {'runAsNonRoot': true, 'fsGroup': 2}}}",
     "{'spec': {'securityContext': {'$patch': 'replace', 'runAsUser': 1}}}",
     "{'spec': {'securityContext': {'runAsUser': 1}}}", 0, NULL},
    {"$patch delete in a map leaves it empty", "Pod", "{'spec': {'securityContext': {'runAsNonRoot': true}}}",
     "{'spec': {'securityContext': {'$patch': 'delete'}}}", "{'spec': {'securityContext': {}}}", 0, NULL},
    {"$patch replace at the root", "Lease", "{'spec': {'holderIdentity': 'a'}, 'metadata': {'name': 'l'}}",
     "{'$patch': 'replace', 'spec': {'holderIdentity': 'b'}}", "{'spec': {'holderIdentity': 'b'}}", 0, NULL},
    {"$retainKeys clears what it does not list", "Pod",
     "{'spec': {'volumes': [{'name': 'v', 'emptyDir': {}}]}}",
     "{'spec': {'volumes': [{'name': 'v', '$retainKeys': ['configMap', 'name'], 'configMap': {'name': 'c'}}]}}",
     "{'spec': {'volumes': [{'name': 'v', 'configMap': {'name': 'c'}}]}}", 0, NULL},
    {"Job status conditions merge by type", "Job",
     "{'status': {'conditions': [{'type': 'Complete', 'status': 'False'}], 'active': 1}}",
     "{'status': {'conditions': [{'type': 'Complete', 'status': 'True'}, {'type': 'Failed', 'status': 'False'}],"
     " 'active': null, 'succeeded': 1}}",
     "{'status': {'conditions': [{'type': 'Complete', 'status': 'True'}, {'type': 'Failed', 'status': 'False'}],"
     " 'succeeded': 1}}", 0, NULL},
    {"Job pod template containers merge by name", "Job",
     "{'spec': {'template': {'metadata': {'labels': {'a': 'b'}}, 'spec': {'containers': [{'name': 'g', 'image': 'x'},"
     " {'name': 'u', 'image': 'y'}]}}}}",
     "{'spec': {'template': {'spec': {'containers': [{'name': 'u', 'image': 'z'}]}}}}",
     "{'spec': {'template': {'metadata': {'labels': {'a': 'b'}}, 'spec': {'containers': [{'name': 'g', 'image': 'x'},"
     " {'name': 'u', 'image': 'z'}]}}}}", 0, NULL},
    {"ServiceAccount secrets merge by name", "ServiceAccount", "{'secrets': [{'name': 'a'}]}",
     "{'secrets': [{'name': 'b'}]}", "{'secrets': [{'name': 'b'}, {'name': 'a'}]}", 0, NULL},
    {"RBAC rules are replaced", "Role", "{'rules': [{'verbs': ['get']}]}", "{'rules': [{'verbs': ['list']}]}",
     "{'rules': [{'verbs': ['list']}]}", 0, NULL},
    {"a new subtree is copied without nulls and directives", "Pod", "{'spec': {}}",
     "{'spec': {'nodeSelector': {'a': null, 'b': 'x'}, 'initContainers': [{'name': 'x', '$patch': 'delete'},"
     " {'name': 'y', 'env': [{'name': 'e', 'value': null}]}]}}",
     "{'spec': {'nodeSelector': {'b': 'x'}, 'initContainers': [{'name': 'y', 'env': [{'name': 'e'}]}]}}", 0, NULL},
    {"a value of another type replaces", "Pod", "{'metadata': {'labels': {'a': 'b'}}, 'spec': {'x': [1]}}",
     "{'metadata': {'labels': 'none'}, 'spec': {'x': {'y': null}}}",
     "{'metadata': {'labels': 'none'}, 'spec': {'x': {}}}", 0, NULL},
    {"empty lists stay empty", "Pod", "{'metadata': {'finalizers': []}}", "{'metadata': {'finalizers': []}}",
     "{'metadata': {'finalizers': []}}", 0, NULL},

    {"custom resources are refused with 415", "MustGather", "{}", "{}", NULL, -ENOTSUP,
     TAS_PATCH_SMP_UNSUPPORTED},
    {"no kind", NULL, "{}", "{}", NULL, -ENOTSUP, TAS_PATCH_SMP_UNSUPPORTED},
    {"patch must be an object", "Pod", "{}", "[1]", NULL, -EINVAL, "invalid JSON document"},
    {"merge key required", "Pod", POD2, CONTAINERS("[{'image': 'x'}]"), NULL, -EINVAL,
     "map: {\"image\":\"x\"} does not contain declared merge key: name"},
    {"merge key required on deletion", "Pod", POD2, CONTAINERS("[{'$patch': 'delete'}]"), NULL, -EINVAL,
     "map: {\"$patch\":\"delete\"} does not contain declared merge key: name"},
    {"$patch merge in a list", "Pod", POD2, CONTAINERS("[{'$patch': 'merge'}]"), NULL, -EINVAL,
     "merging lists cannot yet be specified in the patch"},
    {"unknown $patch in a list", "Pod", POD2, CONTAINERS("[{'name': 'a', '$patch': 'twist'}]"), NULL, -EINVAL,
     "unknown patch type: twist in list element 0"},
    {"unknown $patch in a map", "Pod", "{'spec': {}}", "{'spec': {'$patch': 7}}", NULL, -EINVAL,
     "unknown patch type: (not a string) in map"},
    {"lists of lists", "Pod", FIN2, "{'metadata': {'finalizers': [['a']]}}", NULL, -EINVAL,
     "lists of lists are not supported"},
    {"mixed element types", "Pod", FIN2, "{'metadata': {'finalizers': [1]}}", NULL, -EINVAL,
     "list element types are not identical"},
    {"$retainKeys must list every patched field", "Pod",
     "{'spec': {'volumes': [{'name': 'v', 'emptyDir': {}}]}}",
     "{'spec': {'volumes': [{'name': 'v', '$retainKeys': ['name'], 'secret': {}}]}}", NULL, -EINVAL,
     "invalid patch format of retainKeys"},
    {"$retainKeys must be a list", "Pod", "{'spec': {}}", "{'spec': {'$retainKeys': 'x'}}", NULL, -EINVAL,
     "invalid patch format of retainKeys"},
    {"$setElementOrder must agree with the patch list", "Pod", POD2,
     "{'spec': {'$setElementOrder/containers': [{'name': 'a'}], 'containers': [{'name': 'c'}]}}", NULL, -EINVAL,
     "The order in patch list:\n[{\"name\":\"c\"}]\n doesn't match $setElementOrder list:\n[{\"name\":\"a\"}]\n"},
    {"$setElementOrder needs a field", "Pod", POD2, "{'spec': {'$setElementOrderX': []}}", NULL, -EINVAL,
     "invalid patch format of setElementOrder list"},
    {"$setElementOrder must be a list", "Pod", POD2, "{'spec': {'$setElementOrder/containers': 'a'}}", NULL,
     -EINVAL, "invalid patch format of setElementOrder list"},
    {"$deleteFromPrimitiveList needs a field", "Pod", FIN2, "{'metadata': {'$deleteFromPrimitiveList': ['x']}}",
     NULL, -EINVAL, "invalid patch format of primitive list"},
    {"live list entries need the key too", "Pod", CONTAINERS("[{'image': 'x'}]"),
     CONTAINERS("[{'name': 'a'}]"), NULL, -EINVAL,
     "map: {\"image\":\"x\"} does not contain declared merge key: name"},
};

Test(tas_patch, strategic_merge_patch_table)
{
    for (size_t i = 0; i < sizeof(SMP) / sizeof(SMP[0]); i++) {
        const struct smp_case *c = &SMP[i];
        json_t *target = J(c->target), *patch = J(c->patch), *out = (void *)1;
        json_t *t_copy = json_deep_copy(target), *p_copy = json_deep_copy(patch);
        char err[512] = "";
        int rc = tas_strategic_merge_patch_ex(target, patch, c->kind, &out, err, sizeof(err));

        if (c->want == NULL) {
            cr_expect_eq(rc, c->rc, "%s: rc %d (%s)", c->desc, rc, err);
            cr_expect_null(out, "%s", c->desc);
            cr_expect_str_eq(err, c->err, "%s", c->desc);
        } else {
            json_t *want = J(c->want);
            char *s = dump(out);
            cr_expect_eq(rc, 0, "%s: %s", c->desc, err);
            cr_expect(json_equal(out, want), "%s: got %s", c->desc, s);
            free(s);
            json_decref(want);
        }
        cr_expect(json_equal(target, t_copy) && json_equal(patch, p_copy), "%s: inputs modified", c->desc);
        json_decref(out);
        json_decref(t_copy);
        json_decref(p_copy);
        json_decref(patch);
        json_decref(target);
    }
}

Test(tas_patch, wrapper_and_supported_kinds)
{
    json_t *target = J(FIN2), *patch = J("{'metadata': {'finalizers': ['z']}}"), *out;
    char err[256];

    out = tas_strategic_merge_patch(target, patch, "Pod", err, sizeof(err));
    cr_assert_not_null(out, "%s", err);
    cr_expect_eq(json_array_size(json_object_get(json_object_get(out, "metadata"), "finalizers")), 3);
    json_decref(out);
    cr_expect_null(tas_strategic_merge_patch(target, patch, "MustGatherImage", err, sizeof(err)));
    cr_expect_str_eq(err, TAS_PATCH_SMP_UNSUPPORTED);
    cr_expect(tas_strategic_merge_supported("Job"));
    cr_expect(tas_strategic_merge_supported("ClusterRoleBinding"));
    cr_expect_not(tas_strategic_merge_supported("MustGather"));
    cr_expect_not(tas_strategic_merge_supported(NULL));
    json_decref(patch);
    json_decref(target);
}
