/* JSON merge patch (RFC 7386) and Kubernetes strategic merge patch, as
 * kube-apiserver applies them to the objects the test API server serves. */
#ifndef TAS_PATCH_H
#define TAS_PATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* kube's 415 message when a strategic merge patch targets a custom resource */
#define TAS_PATCH_SMP_UNSUPPORTED                                                               \
    "the body of the request was in an unknown format - accepted media types include: "        \
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"

/* RFC 7386 applied to target (borrowed; NULL reads as null); patch borrowed.
 * Returns a new reference; NULL only when memory ran out. */
json_t *tas_merge_patch(const json_t *target, const json_t *patch);

/* Whether kind (e.g. "Pod") is a built-in kind strategic merge patch applies
 * to here: Pod, Job, ServiceAccount, Namespace, PersistentVolumeClaim, Event,
 * Lease, Secret, ConfigMap, the four RBAC kinds, ValidatingAdmissionPolicy and
 * its binding. Anything else is a custom resource, for which kube answers 415
 * Unsupported Media Type. */
bool tas_strategic_merge_supported(const char *kind);

/* Strategic merge patch with the patch metadata of kind's Go types: lists
 * merged by key (containers, initContainers, ephemeralContainers, volumes,
 * imagePullSecrets by name; env by name; ports by containerPort; volumeMounts
 * by mountPath; ownerReferences by uid; conditions by type, ...), finalizers
 * merged as a set; other lists replaced. Directives: $patch (replace, delete
 * in maps and list elements), $retainKeys, $setElementOrder/<list>,
 * $deleteFromPrimitiveList/<list>; list order follows kube's rules.
 * Where kube would copy a patch subtree verbatim into the object, nulls and
 * directives are dropped from it, as kube's decoding into typed objects does.
 *
 * target and patch borrowed. On success *out is a new reference and 0 is
 * returned; -ENOTSUP with TAS_PATCH_SMP_UNSUPPORTED in err for an unknown
 * kind (map to 415), -EINVAL with kube's message for a malformed patch (map
 * to 400/422), -ENOMEM. */
int tas_strategic_merge_patch_ex(const json_t *target, const json_t *patch, const char *kind,
                                 json_t **out, char *err, size_t errlen);

/* As tas_strategic_merge_patch_ex, returning the new reference or NULL. */
json_t *tas_strategic_merge_patch(const json_t *target, const json_t *patch, const char *kind,
                                  char *err, size_t errlen);

#endif
