/* Structural schema handling of the test API server (prune, default,
 * validate, list types) and its helpers (Go-style formatting, formats,
 * patterns), against schemas shaped like our MustGather and MustGatherImage
 * CRDs. JSON is written with ' for " to stay readable. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gofmt.h"
#include "pattern.h"
#include "schema.h"
#include "strfmt.h"
#include "tas_json.h"

static char *dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
}

#define CONDITION_SCHEMA                                                                          \
    "{'type': 'object', 'required': ['lastTransitionTime', 'message', 'reason', 'status', 'type'],"  \
    " 'properties': {"                                                                            \
    "  'lastTransitionTime': {'type': 'string', 'format': 'date-time'},"                          \
    "  'message': {'type': 'string', 'maxLength': 32768},"                                        \
    "  'observedGeneration': {'type': 'integer', 'format': 'int64', 'minimum': 0},"               \
    "  'reason': {'type': 'string', 'maxLength': 1024, 'minLength': 1,"                           \
    "             'pattern': '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$'},"                         \
    "  'status': {'type': 'string', 'enum': ['True', 'False', 'Unknown']},"                        \
    "  'type': {'type': 'string', 'maxLength': 316, 'pattern': "                                  \
    "   '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$'}}}"

static const char MUSTGATHER[] =
    "{'type': 'object', 'properties': {"
    " 'apiVersion': {'type': 'string'}, 'kind': {'type': 'string'}, 'metadata': {'type': 'object'},"
    " 'spec': {'type': 'object', 'properties': {"
    "  'serviceAccountRef': {'type': 'object', 'default': {},"
    "   'properties': {'name': {'type': 'string', 'default': 'default', 'minLength': 1}}},"
    "  'mustGatherImage': {'type': 'string', 'maxLength': 255},"
    "  'additionalConfig': {'type': 'object', 'properties': {'audit': {'type': 'boolean', 'default': false}}},"
    "  'proxyConfig': {'type': 'object', 'properties': {'httpProxy': {'type': 'string'},"
    "   'httpsProxy': {'type': 'string'}, 'noProxy': {'type': 'string'}}},"
    "  'mustGatherTimeout': {'type': 'string', 'format': 'duration'},"
    "  'retainResourcesOnCompletion': {'type': 'boolean', 'default': false},"
    "  'uploadTarget': {'type': 'object', 'required': ['type'], 'properties': {"
    "   'type': {'type': 'string', 'enum': ['SFTP']},"
    "   'sftp': {'type': 'object', 'required': ['caseID', 'caseManagementAccountSecretRef'], 'properties': {"
    "    'caseID': {'type': 'string', 'minLength': 1},"
    "    'caseManagementAccountSecretRef': {'type': 'object', 'x-kubernetes-map-type': 'atomic',"
    "     'required': ['name'], 'properties': {'name': {'type': 'string'}}},"
    "    'host': {'type': 'string', 'default': 'sftp.access.redhat.com'},"
    "    'internalUser': {'type': 'boolean', 'default': false}}}},"
    "   'x-kubernetes-validations': [{'rule': 'has(self.sftp)'}]},"
    "  'storage': {'type': 'object', 'required': ['type', 'persistentVolume'], 'properties': {"
    "   'type': {'type': 'string', 'enum': ['PersistentVolume']},"
    "   'persistentVolume': {'type': 'object', 'required': ['claim'], 'properties': {"
    "    'claim': {'type': 'object', 'required': ['name'], 'properties': {'name': {'type': 'string',"
    "     'maxLength': 253, 'pattern': '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'}}},"
    "    'subPath': {'type': 'string'}}}}}},"
    "  'x-kubernetes-validations': [{'rule': 'self == oldSelf', 'message': 'spec is immutable'}]},"
    " 'status': {'type': 'object', 'properties': {"
    "  'completed': {'type': 'boolean'},"
    "  'status': {'type': 'string', 'enum': ['Completed', 'Failed']},"
    "  'reason': {'type': 'string'},"
    "  'lastUpdate': {'type': 'string', 'format': 'date-time'},"
    "  'conditions': {'type': 'array', 'x-kubernetes-list-type': 'map',"
    "   'x-kubernetes-list-map-keys': ['type'], 'items': " CONDITION_SCHEMA "}}}}}";

static const char MUSTGATHERIMAGE[] =
    "{'type': 'object', 'required': ['spec'], 'properties': {"
    " 'apiVersion': {'type': 'string'}, 'kind': {'type': 'string'},"
    " 'metadata': {'type': 'object', 'properties': {'name': {'type': 'string', 'maxLength': 7},"
    "   'generateName': {'type': 'string', 'pattern': '^c'}, 'labels': {'type': 'integer'}}},"
    " 'spec': {'type': 'object', 'required': ['images'], 'properties': {"
    "  'images': {'type': 'array', 'minItems': 1, 'maxItems': 4, 'x-kubernetes-list-type': 'set',"
    "   'items': {'type': 'string', 'minLength': 1, 'maxLength': 255}}}},"
    " 'status': {'type': 'object', 'properties': {"
    "  'observedGeneration': {'type': 'integer', 'format': 'int64', 'minimum': 0},"
    "  'invalidImages': {'type': 'array', 'items': {'type': 'object', 'properties': {"
    "   'image': {'type': 'string'}, 'reason': {'type': 'string'}}}}}}}}";

/* Everything else a structural schema can say, on one made-up kind. */
static const char WIDGET[] =
    "{'type': 'object', 'properties': {"
    " 'apiVersion': {'type': 'string'}, 'kind': {'type': 'string'}, 'metadata': {'type': 'object'},"
    " 'spec': {'type': 'object', 'minProperties': 1, 'properties': {"
    "  'labels': {'type': 'object', 'additionalProperties': {'type': 'string'}},"
    "  'things': {'type': 'object', 'additionalProperties': {'type': 'object',"
    "   'properties': {'size': {'type': 'integer', 'default': 1}}}},"
    "  'loose': {'type': 'object', 'additionalProperties': true},"
    "  'raw': {'type': 'object', 'x-kubernetes-preserve-unknown-fields': true,"
    "   'properties': {'known': {'type': 'string'}, 'inner': {'type': 'object',"
    "    'properties': {'a': {'type': 'string'}}}}},"
    "  'template': {'type': 'object', 'x-kubernetes-embedded-resource': true,"
    "   'properties': {'spec': {'type': 'object', 'properties': {'x': {'type': 'string'}}}}},"
    "  'port': {'x-kubernetes-int-or-string': true},"
    "  'ratio': {'type': 'number', 'minimum': 0, 'exclusiveMinimum': true, 'maximum': 1},"
    "  'replicas': {'type': 'integer', 'maximum': 10, 'exclusiveMaximum': true, 'multipleOf': 2},"
    "  'level': {'type': 'integer', 'enum': [1, 2]},"
    "  'note': {'type': 'string', 'nullable': true},"
    "  'weird': {'type': 'string', 'pattern': '\\\\p{L}+'},"
    "  'when': {'type': 'string', 'format': 'date-time'},"
    "  'short': {'type': 'string', 'format': 'k8s-short-name'},"
    "  'uid': {'type': 'string', 'format': 'uuid'},"
    "  'ports': {'type': 'array', 'x-kubernetes-list-type': 'map',"
    "   'x-kubernetes-list-map-keys': ['port', 'protocol'], 'items': {'type': 'object',"
    "   'properties': {'port': {'type': 'integer'}, 'protocol': {'type': 'string', 'default': 'TCP'}}}},"
    "  'tags': {'type': 'array', 'x-kubernetes-list-type': 'set', 'items': {'type': 'object',"
    "   'x-kubernetes-preserve-unknown-fields': true}},"
    "  'mapped': {'type': 'object', 'additionalProperties': {'type': 'array',"
    "   'x-kubernetes-list-type': 'set', 'items': {'type': 'string'}}},"
    "  'few': {'type': 'object', 'maxProperties': 1, 'additionalProperties': {'type': 'string'}},"
    "  'slots': {'type': 'array', 'items': {'type': 'string', 'default': 'free'}}}}}}";

struct schema_case {
    const char *desc;
    const char *schema;
    const char *in;
    const char *out;     /* object after pruning and defaulting; NULL: unchecked */
    const char *causes;
    const char *unknown; /* NULL: expect none */
};

#define MG_HEAD "'apiVersion': 'operator.openshift.io/v1alpha1', 'kind': 'MustGather',"      \
                " 'metadata': {'name': 'mg', 'namespace': 'ns'}, "
#define MGI_HEAD "'apiVersion': 'operator.openshift.io/v1alpha1', 'kind': 'MustGatherImage',"  \
                 " 'metadata': {'name': 'cluster'}, "
#define W_HEAD "'apiVersion': 'example.com/v1', 'kind': 'Widget', 'metadata': {'name': 'w'}, "
#define MG_DEFAULTS "'serviceAccountRef': {'name': 'default'}, 'retainResourcesOnCompletion': false"
/* every spec field set: nothing to prune or default */
#define MG_FULL                                                                                     \
    "{" MG_HEAD "'spec': {'serviceAccountRef': {'name': 'sa'}, 'mustGatherImage': 'quay.io/a/b:1',"   \
    " 'additionalConfig': {'audit': true}, 'proxyConfig': {'httpProxy': 'http://p:3128', 'noProxy': '.svc'},"  \
    " 'mustGatherTimeout': '1h30m', 'retainResourcesOnCompletion': true,"                            \
    " 'uploadTarget': {'type': 'SFTP', 'sftp': {'caseID': '0123', 'caseManagementAccountSecretRef': {'name': 's'}," \
    "  'host': 'h', 'internalUser': true}},"                                                        \
    " 'storage': {'type': 'PersistentVolume', 'persistentVolume': {'claim': {'name': 'pvc.a-1'}, 'subPath': 'x'}}}}"
#define CAUSE(reason, field, msg) "{'reason': '" reason "', 'field': '" field "', 'message': '" msg "'}"

static const struct schema_case CASES[] = {
    {"minimal MustGather gets its defaults", MUSTGATHER, "{" MG_HEAD "'spec': {}}",
     "{" MG_HEAD "'spec': {" MG_DEFAULTS "}}", "[]", NULL},
    {"no spec: nothing to default, nothing required", MUSTGATHER, "{" MG_HEAD "'status': {}}",
     "{" MG_HEAD "'status': {}}", "[]", NULL},
    {"full valid MustGather keeps every field", MUSTGATHER,
     MG_FULL, MG_FULL,
     "[]", NULL},
    {"unknown fields are pruned and reported, metadata and root meta kept", MUSTGATHER,
     "{" MG_HEAD "'extra': 1, 'spec': {'foo': {'bar': 1}, 'proxyConfig': {'httpProxy': 'h', 'socks': 'x'},"
     " 'additionalConfig': {'audit': false, 'logs': true}}, 'status': {'completed': true, 'phase': 'x'}}",
     "{" MG_HEAD "'spec': {'proxyConfig': {'httpProxy': 'h'}, 'additionalConfig': {'audit': false},"
     " " MG_DEFAULTS "}, 'status': {'completed': true}}",
     "[]", "['extra', 'spec.foo', 'spec.proxyConfig.socks', 'spec.additionalConfig.logs', 'status.phase']"},
    {"metadata is not pruned", MUSTGATHER,
     "{" MG_HEAD "'spec': {}, 'metadata': {'name': 'mg', 'labels': {'a': 'b'}, 'whatever': 1}}",
     "{'apiVersion': 'operator.openshift.io/v1alpha1', 'kind': 'MustGather',"
     " 'metadata': {'name': 'mg', 'labels': {'a': 'b'}, 'whatever': 1}, 'spec': {" MG_DEFAULTS "}}",
     "[]", NULL},
    {"non-nullable nulls: dropped without default, defaulted with one", MUSTGATHER,
     "{" MG_HEAD "'spec': {'mustGatherTimeout': null, 'retainResourcesOnCompletion': null,"
     " 'serviceAccountRef': null}}",
     "{" MG_HEAD "'spec': {" MG_DEFAULTS "}}", "[]", NULL},
    {"defaults inside existing nested objects only", MUSTGATHER,
     "{" MG_HEAD "'spec': {'uploadTarget': {'type': 'SFTP', 'sftp': {'caseID': 'c',"
     " 'caseManagementAccountSecretRef': {'name': 's'}}}, 'additionalConfig': {}}}",
     "{" MG_HEAD "'spec': {'uploadTarget': {'type': 'SFTP', 'sftp': {'caseID': 'c',"
     " 'caseManagementAccountSecretRef': {'name': 's'}, 'host': 'sftp.access.redhat.com',"
     " 'internalUser': false}}, 'additionalConfig': {'audit': false}, " MG_DEFAULTS "}}",
     "[]", NULL},
    {"type mismatches", MUSTGATHER,
     "{" MG_HEAD "'spec': {'retainResourcesOnCompletion': 'yes', 'mustGatherImage': 5,"
     " 'proxyConfig': 'none', 'additionalConfig': {'audit': 1}}}",
     NULL,
     "[" CAUSE("FieldValueTypeInvalid", "spec.mustGatherImage",
               "Invalid value: \\\"integer\\\": spec.mustGatherImage in body must be of type string: \\\"integer\\\"") ","
     CAUSE("FieldValueTypeInvalid", "spec.additionalConfig.audit",
           "Invalid value: \\\"integer\\\": spec.additionalConfig.audit in body must be of type boolean: \\\"integer\\\"") ","
     CAUSE("FieldValueTypeInvalid", "spec.proxyConfig",
           "Invalid value: \\\"string\\\": spec.proxyConfig in body must be of type object: \\\"string\\\"") ","
     CAUSE("FieldValueTypeInvalid", "spec.retainResourcesOnCompletion",
           "Invalid value: \\\"string\\\": spec.retainResourcesOnCompletion in body must be of type boolean: \\\"string\\\"") "]",
     NULL},
    {"enum and required inside the upload target", MUSTGATHER,
     "{" MG_HEAD "'spec': {'uploadTarget': {'type': 'FTP', 'sftp': {}}}}",
     "{" MG_HEAD "'spec': {'uploadTarget': {'type': 'FTP', 'sftp': {'host': 'sftp.access.redhat.com',"
     " 'internalUser': false}}, " MG_DEFAULTS "}}",
     "[" CAUSE("FieldValueNotSupported", "spec.uploadTarget.type",
               "Unsupported value: \\\"FTP\\\": supported values: \\\"SFTP\\\"") ","
     CAUSE("FieldValueRequired", "spec.uploadTarget.sftp.caseID", "Required value") ","
     CAUSE("FieldValueRequired", "spec.uploadTarget.sftp.caseManagementAccountSecretRef", "Required value") "]",
     NULL},
    {"required at several depths", MUSTGATHER,
     "{" MG_HEAD "'spec': {'storage': {'persistentVolume': {'claim': {}}}, 'uploadTarget': {}}}",
     NULL,
     "[" CAUSE("FieldValueRequired", "spec.uploadTarget.type", "Required value") ","
     CAUSE("FieldValueRequired", "spec.storage.persistentVolume.claim.name", "Required value") ","
     CAUSE("FieldValueRequired", "spec.storage.type", "Required value") "]",
     NULL},
    {"pattern and length of the PVC name", MUSTGATHER,
     "{" MG_HEAD "'spec': {'storage': {'type': 'PersistentVolume', 'persistentVolume': {'claim': {'name': 'Bad_Name'}}},"
     " 'serviceAccountRef': {'name': ''}}}",
     NULL,
     "[" CAUSE("FieldValueInvalid", "spec.serviceAccountRef.name",
               "Invalid value: \\\"\\\": spec.serviceAccountRef.name in body should be at least 1 chars long") ","
     CAUSE("FieldValueInvalid", "spec.storage.persistentVolume.claim.name",
           "Invalid value: \\\"Bad_Name\\\": spec.storage.persistentVolume.claim.name in body should match "
           "\\u0027^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\\u0027") "]",
     NULL},
    {"duration format", MUSTGATHER,
     "{" MG_HEAD "'spec': {'mustGatherTimeout': '10 parsecs'}}", NULL,
     "[" CAUSE("FieldValueTypeInvalid", "spec.mustGatherTimeout",
               "Invalid value: \\\"10 parsecs\\\": spec.mustGatherTimeout in body must be of type duration: \\\"10 parsecs\\\"") "]",
     NULL},
    {"duration: kube's Scala-like forms pass", MUSTGATHER,
     "{" MG_HEAD "'spec': {'mustGatherTimeout': '3 days'}}", NULL, "[]", NULL},
    {"date-time format and status enum", MUSTGATHER,
     "{" MG_HEAD "'status': {'lastUpdate': '2024-02-30T00:00:00Z', 'status': 'Running', 'completed': 'no'}}", NULL,
     "[" CAUSE("FieldValueTypeInvalid", "status.completed",
               "Invalid value: \\\"string\\\": status.completed in body must be of type boolean: \\\"string\\\"") ","
     CAUSE("FieldValueNotSupported", "status.status",
           "Unsupported value: \\\"Running\\\": supported values: \\\"Completed\\\", \\\"Failed\\\"") ","
     CAUSE("FieldValueTypeInvalid", "status.lastUpdate",
           "Invalid value: \\\"2024-02-30T00:00:00Z\\\": status.lastUpdate in body must be of type date-time: "
           "\\\"2024-02-30T00:00:00Z\\\"") "]",
     NULL},
    {"conditions: a valid list-map", MUSTGATHER,
     "{" MG_HEAD "'status': {'conditions': [{'type': 'Ready', 'status': 'True', 'reason': 'JobCreated',"
     " 'message': '', 'lastTransitionTime': '2024-02-29T23:59:59.123+05:30', 'observedGeneration': 2.0},"
     " {'type': 'example.com/Done', 'status': 'False', 'reason': 'A:b_c', 'message': 'm',"
     " 'lastTransitionTime': '2024-01-01T00:00:00Z'}]}}",
     NULL, "[]", NULL},
    {"conditions: item errors and a duplicate key", MUSTGATHER,
     "{" MG_HEAD "'status': {'conditions': [{'type': 'Ready', 'status': 'Maybe', 'reason': '1bad',"
     " 'message': '', 'lastTransitionTime': 'yesterday', 'observedGeneration': -1},"
     " {'type': 'Ready', 'observedGeneration': 1.5}]}}",
     NULL,
     "[" CAUSE("FieldValueTypeInvalid", "status.conditions[0].lastTransitionTime",
               "Invalid value: \\\"yesterday\\\": status.conditions[0].lastTransitionTime in body must be of type "
               "date-time: \\\"yesterday\\\"") ","
     CAUSE("FieldValueInvalid", "status.conditions[0].observedGeneration",
           "Invalid value: -1: status.conditions[0].observedGeneration in body should be greater than or equal to 0") ","
     CAUSE("FieldValueInvalid", "status.conditions[0].reason",
           "Invalid value: \\\"1bad\\\": status.conditions[0].reason in body should match "
           "\\u0027^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$\\u0027") ","
     CAUSE("FieldValueNotSupported", "status.conditions[0].status",
           "Unsupported value: \\\"Maybe\\\": supported values: \\\"True\\\", \\\"False\\\", \\\"Unknown\\\"") ","
     CAUSE("FieldValueTypeInvalid", "status.conditions[1].observedGeneration",
           "Invalid value: \\\"double\\\": status.conditions[1].observedGeneration in body must be of type int64: "
           "\\\"double\\\"") ","
     CAUSE("FieldValueRequired", "status.conditions[1].lastTransitionTime", "Required value") ","
     CAUSE("FieldValueRequired", "status.conditions[1].message", "Required value") ","
     CAUSE("FieldValueRequired", "status.conditions[1].reason", "Required value") ","
     CAUSE("FieldValueRequired", "status.conditions[1].status", "Required value") ","
     CAUSE("FieldValueDuplicate", "status.conditions[1]",
           "Duplicate value: map[string]interface {}{\\\"type\\\":\\\"Ready\\\"}") "]",
     NULL},

    {"MustGatherImage: valid allowlist", MUSTGATHERIMAGE,
     "{" MGI_HEAD "'spec': {'images': ['quay.io/a/b:latest', 'registry.example.com/t/d@sha256:00']}}",
     "{" MGI_HEAD "'spec': {'images': ['quay.io/a/b:latest', 'registry.example.com/t/d@sha256:00']}}", "[]",
     NULL},
    {"MustGatherImage: spec required at the root", MUSTGATHERIMAGE, "{" MGI_HEAD "'status': {}}", NULL,
     "[" CAUSE("FieldValueRequired", "spec", "Required value") "]", NULL},
    {"MustGatherImage: images required; null images dropped first", MUSTGATHERIMAGE,
     "{" MGI_HEAD "'spec': {'images': null}}", "{" MGI_HEAD "'spec': {}}",
     "[" CAUSE("FieldValueRequired", "spec.images", "Required value") "]", NULL},
    {"MustGatherImage: empty list", MUSTGATHERIMAGE, "{" MGI_HEAD "'spec': {'images': []}}", NULL,
     "[" CAUSE("FieldValueInvalid", "spec.images",
               "Invalid value: 0: spec.images in body should have at least 1 items") "]", NULL},
    {"MustGatherImage: too many, with duplicates reported once each", MUSTGATHERIMAGE,
     "{" MGI_HEAD "'spec': {'images': ['a', 'b', 'a', 'a', 'b']}}", NULL,
     "[" CAUSE("FieldValueTooMany", "spec.images", "Too many: 5: must have at most 4 items") ","
     CAUSE("FieldValueDuplicate", "spec.images[2]", "Duplicate value: \\\"a\\\"") ","
     CAUSE("FieldValueDuplicate", "spec.images[4]", "Duplicate value: \\\"b\\\"") "]", NULL},
    {"MustGatherImage: item errors", MUSTGATHERIMAGE,
     "{" MGI_HEAD "'spec': {'images': ['', null, 7, "
     "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']}}", NULL,
     "[" CAUSE("FieldValueInvalid", "spec.images[0]",
               "Invalid value: \\\"\\\": spec.images[0] in body should be at least 1 chars long") ","
     CAUSE("FieldValueTypeInvalid", "spec.images[1]",
           "Invalid value: \\\"null\\\": spec.images[1] in body must be of type string: \\\"null\\\"") ","
     CAUSE("FieldValueTypeInvalid", "spec.images[2]",
           "Invalid value: \\\"integer\\\": spec.images[2] in body must be of type string: \\\"integer\\\"") ","
     CAUSE("FieldValueTooLong", "spec.images[3]", "Too long: may not be longer than 255") "]", NULL},
    {"MustGatherImage: images must be an array", MUSTGATHERIMAGE, "{" MGI_HEAD "'spec': {'images': 'a'}}",
     NULL,
     "[" CAUSE("FieldValueTypeInvalid", "spec.images",
               "Invalid value: \\\"string\\\": spec.images in body must be of type array: \\\"string\\\"") "]", NULL},
    {"metadata: only name and generateName are checked", MUSTGATHERIMAGE,
     "{'metadata': {'name': 'toolongname', 'generateName': 'x-', 'labels': {'a': 'b'}}, 'spec': {'images': ['a']}}",
     NULL,
     "[" CAUSE("FieldValueTooLong", "metadata.name", "Too long: may not be longer than 7") ","
     CAUSE("FieldValueInvalid", "metadata.generateName",
           "Invalid value: \\\"x-\\\": metadata.generateName in body should match \\u0027^c\\u0027") "]", NULL},
    {"MustGatherImage: status integer", MUSTGATHERIMAGE,
     "{" MGI_HEAD "'spec': {'images': ['a']}, 'status': {'observedGeneration': -3,"
     " 'invalidImages': [{'image': 'x', 'reason': 'bad', 'extra': 1}]}}",
     "{" MGI_HEAD "'spec': {'images': ['a']}, 'status': {'observedGeneration': -3,"
     " 'invalidImages': [{'image': 'x', 'reason': 'bad'}]}}",
     "[" CAUSE("FieldValueInvalid", "status.observedGeneration",
               "Invalid value: -3: status.observedGeneration in body should be greater than or equal to 0") "]",
     "['status.invalidImages[0].extra']"},

    {"maps of strings and of objects: values checked, defaulted, pruned", WIDGET,
     "{" W_HEAD "'spec': {'labels': {'a': 'x', 'b': 3}, 'things': {'t1': {'extra': true}, 't2': {'size': 5}},"
     " 'loose': {'k': {'deep': 1}, 'n': 2}}}",
     "{" W_HEAD "'spec': {'labels': {'a': 'x', 'b': 3}, 'things': {'t1': {'size': 1}, 't2': {'size': 5}},"
     " 'loose': {'k': {}, 'n': 2}}}",
     "[" CAUSE("FieldValueTypeInvalid", "spec.labels.b",
               "Invalid value: \\\"integer\\\": spec.labels.b in body must be of type string: \\\"integer\\\"") "]",
     "['spec.things.t1.extra', 'spec.loose.k.deep']"},
    {"preserve-unknown-fields keeps unknowns, still prunes and checks known ones", WIDGET,
     "{" W_HEAD "'spec': {'raw': {'known': 5, 'other': {'deep': [1]}, 'inner': {'a': 'x', 'b': 'y'}}}}",
     "{" W_HEAD "'spec': {'raw': {'known': 5, 'other': {'deep': [1]}, 'inner': {'a': 'x'}}}}",
     "[" CAUSE("FieldValueTypeInvalid", "spec.raw.known",
               "Invalid value: \\\"integer\\\": spec.raw.known in body must be of type string: \\\"integer\\\"") "]",
     "['spec.raw.inner.b']"},
    {"embedded resource keeps its apiVersion, kind and metadata", WIDGET,
     "{" W_HEAD "'spec': {'template': {'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'x': 1},"
     " 'spec': {'x': 'y', 'z': 1}, 'status': {}}}}",
     "{" W_HEAD "'spec': {'template': {'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'x': 1},"
     " 'spec': {'x': 'y'}}}}",
     "[]", "['spec.template.spec.z', 'spec.template.status']"},
    {"int-or-string", WIDGET, "{" W_HEAD "'spec': {'port': true}}", NULL,
     "[" CAUSE("FieldValueTypeInvalid", "spec.port",
               "Invalid value: \\\"boolean\\\": spec.port in body must be of type integer,string: \\\"boolean\\\"") "]",
     NULL},
    {"int-or-string accepts both", WIDGET, "{" W_HEAD "'spec': {'port': 'http', 'ratio': 1}}", NULL, "[]", NULL},
    {"numbers: bounds, exclusivity, multipleOf, integer-valued floats", WIDGET,
     "{" W_HEAD "'spec': {'ratio': 0, 'replicas': 10, 'level': 3}}", NULL,
     "[" CAUSE("FieldValueInvalid", "spec.ratio",
               "Invalid value: 0: spec.ratio in body should be greater than 0") ","
     CAUSE("FieldValueInvalid", "spec.replicas",
           "Invalid value: 10: spec.replicas in body should be less than 10") ","
     CAUSE("FieldValueNotSupported", "spec.level",
           "Unsupported value: 3: supported values: \\\"1\\\", \\\"2\\\"") "]", NULL},
    {"numbers: float bounds and multipleOf on integers", WIDGET,
     "{" W_HEAD "'spec': {'ratio': 1.5, 'replicas': 3, 'level': 2.0}}", NULL,
     "[" CAUSE("FieldValueInvalid", "spec.ratio",
               "Invalid value: 1.5: spec.ratio in body should be less than or equal to 1") ","
     CAUSE("FieldValueInvalid", "spec.replicas",
           "Invalid value: 3: spec.replicas in body should be a multiple of 2") "]", NULL},
    {"integer field given a fraction", WIDGET, "{" W_HEAD "'spec': {'replicas': 2.5}}", NULL,
     "[" CAUSE("FieldValueTypeInvalid", "spec.replicas",
               "Invalid value: \\\"number\\\": spec.replicas in body must be of type integer: \\\"number\\\"") ","
     CAUSE("FieldValueInvalid", "spec.replicas",
           "Invalid value: 2.5: spec.replicas in body should be a multiple of 2") "]", NULL},
    {"nullable keeps null", WIDGET, "{" W_HEAD "'spec': {'note': null}}",
     "{" W_HEAD "'spec': {'note': null}}", "[]", NULL},
    {"invalid pattern in the schema is reported on the field", WIDGET, "{" W_HEAD "'spec': {'weird': 'a'}}",
     NULL,
     "[" CAUSE("FieldValueInvalid", "spec.weird",
               "Invalid value: \\\"a\\\": spec.weird in body should match \\u0027\\\\p{L}+, but pattern is "
               "invalid: unicode classes are not supported\\u0027") "]", NULL},
    {"formats: kube skips the type check of an array in a string format field", WIDGET,
     "{" W_HEAD "'spec': {'when': ['x'], 'short': 'NOT_A_NAME'}}", NULL, "[]", NULL},
    {"formats: uuid", WIDGET, "{" W_HEAD "'spec': {'uid': 'not-a-uuid'}}", NULL,
     "[" CAUSE("FieldValueTypeInvalid", "spec.uid",
               "Invalid value: \\\"not-a-uuid\\\": spec.uid in body must be of type uuid: \\\"not-a-uuid\\\"") "]",
     NULL},
    {"list-map with two keys: item defaults apply before the key check", WIDGET,
     "{" W_HEAD "'spec': {'ports': [{'port': 80}, {'port': 80, 'protocol': 'TCP'}, {'port': 80, 'protocol': 'UDP'}, null, {}]}}",
     "{" W_HEAD "'spec': {'ports': [{'port': 80, 'protocol': 'TCP'}, {'port': 80, 'protocol': 'TCP'},"
     " {'port': 80, 'protocol': 'UDP'}, null, {'protocol': 'TCP'}]}}",
     "[" CAUSE("FieldValueTypeInvalid", "spec.ports[3]",
               "Invalid value: \\\"null\\\": spec.ports[3] in body must be of type object: \\\"null\\\"") ","
     CAUSE("FieldValueDuplicate", "spec.ports[1]",
           "Duplicate value: map[string]interface {}{\\\"port\\\":80, \\\"protocol\\\":\\\"TCP\\\"}") "]",
     NULL},
    {"list-map items must be objects", WIDGET, "{" W_HEAD "'spec': {'ports': [{'port': 1}, 'x']}}", NULL,
     "[" CAUSE("FieldValueTypeInvalid", "spec.ports[1]",
               "Invalid value: \\\"string\\\": spec.ports[1] in body must be of type object: \\\"string\\\"") ","
     CAUSE("FieldValueInvalid", "spec.ports[1]",
           "Invalid value: \\\"x\\\": must be an object for an array of list-type map") "]", NULL},
    {"set of objects compares whole values", WIDGET,
     "{" W_HEAD "'spec': {'tags': [{'a': 1, 'b': [2]}, {'b': [2], 'a': 1}, {'a': 1}]}}", NULL,
     "[" CAUSE("FieldValueDuplicate", "spec.tags[1]",
               "Duplicate value: map[string]interface {}{\\\"a\\\":1, \\\"b\\\":[]interface {}{2}}") "]", NULL},
    {"sets under additionalProperties use [key] paths", WIDGET,
     "{" W_HEAD "'spec': {'mapped': {'k': ['x', 'x']}}}", NULL,
     "[" CAUSE("FieldValueDuplicate", "spec.mapped[k][1]", "Duplicate value: \\\"x\\\"") "]", NULL},
    {"min and max properties", WIDGET, "{" W_HEAD "'spec': {'few': {'a': 'x', 'b': 'y'}}}", NULL,
     "[" CAUSE("FieldValueTooMany", "spec.few", "Too many: 2: must have at most 1 items") "]", NULL},
    {"minProperties", WIDGET, "{" W_HEAD "'spec': {}}", NULL,
     "[" CAUSE("FieldValueInvalid", "spec",
               "Invalid value: 0: spec in body should have at least 1 properties") "]", NULL},
    {"array item defaults replace nulls", WIDGET, "{" W_HEAD "'spec': {'slots': ['a', null]}}",
     "{" W_HEAD "'spec': {'slots': ['a', 'free']}}", "[]", NULL},
};

Test(tas_schema, table)
{
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        const struct schema_case *c = &CASES[i];
        json_t *schema = J(c->schema), *obj = J(c->in), *want = J(c->causes), *unknown = NULL;
        json_t *want_unknown = J(c->unknown ? c->unknown : "[]");
        json_t *causes = tas_schema_apply_ex(schema, obj, &unknown);
        char *got_s, *want_s;

        cr_assert_not_null(causes, "%s", c->desc);
        got_s = dump(causes);
        want_s = dump(want);
        cr_expect(json_equal(causes, want), "%s: causes\n got  %s\n want %s", c->desc, got_s, want_s);
        free(got_s);
        free(want_s);
        got_s = dump(unknown);
        cr_expect(json_equal(unknown, want_unknown), "%s: unknown fields %s", c->desc, got_s);
        free(got_s);
        if (c->out != NULL) {
            json_t *out = J(c->out);
            got_s = dump(obj);
            cr_expect(json_equal(obj, out), "%s: object %s", c->desc, got_s);
            free(got_s);
            json_decref(out);
        }
        json_decref(causes);
        json_decref(unknown);
        json_decref(want_unknown);
        json_decref(want);
        json_decref(obj);
        json_decref(schema);
    }
}

Test(tas_schema, apply_without_unknown_list_matches_apply_ex)
{
    json_t *schema = J(MUSTGATHER), *obj = J("{'spec': {'x': 1, 'mustGatherTimeout': 'nope'}}");
    json_t *causes = tas_schema_apply(schema, obj);

    cr_assert_not_null(causes);
    cr_expect_eq(json_array_size(causes), 1);
    cr_expect_null(json_object_get(json_object_get(obj, "spec"), "x"));
    json_decref(causes);
    json_decref(obj);
    json_decref(schema);
}

struct message_case {
    const char *causes;
    const char *want;
};

static const struct message_case MESSAGES[] = {
    {"[]", "MustGather.operator.openshift.io \"mg\" is invalid"},
    {"[" CAUSE("FieldValueRequired", "spec.images", "Required value") "]",
     "MustGather.operator.openshift.io \"mg\" is invalid: spec.images: Required value"},
    {"[" CAUSE("FieldValueRequired", "spec.a", "Required value") ","
     CAUSE("FieldValueRequired", "spec.a", "Required value") ","
     CAUSE("FieldValueInvalid", "spec.b", "Invalid value: 1: x") "]",
     "MustGather.operator.openshift.io \"mg\" is invalid: [spec.a: Required value, spec.b: Invalid value: 1: x]"},
};

Test(tas_schema, invalid_message)
{
    char buf[256];

    for (size_t i = 0; i < sizeof(MESSAGES) / sizeof(MESSAGES[0]); i++) {
        json_t *causes = J(MESSAGES[i].causes);
        cr_expect_eq(tas_schema_invalid_message("MustGather", "operator.openshift.io", "mg", causes, buf,
                                                sizeof(buf)), 0);
        cr_expect_str_eq(buf, MESSAGES[i].want);
        json_decref(causes);
    }
    cr_expect_eq(tas_schema_invalid_message("Pod", "", "p", NULL, buf, sizeof(buf)), 0);
    cr_expect_str_eq(buf, "Pod \"p\" is invalid");
    cr_expect_eq(tas_schema_invalid_message("Pod", "", "p", NULL, buf, 5), -ENOSPC);
    cr_expect_str_eq(buf, "Pod ");
}

struct format_case {
    const char *format, *value;
    bool valid;
};

static const struct format_case FORMATS[] = {
    {"duration", "90s", true}, {"duration", "10m", true}, {"duration", "2h", true},
    {"duration", "1.5h", true}, {"duration", "1h30m", true}, {"duration", "-5m", true},
    {"duration", "0", true}, {"duration", "300ms", true}, {"duration", "1\xc2\xb5s", true},
    {"duration", "1d", true}, {"duration", "3 days", true}, {"duration", " 2 hours 5mins ", true},
    {"duration", "1w", true}, {"duration", "5x 3h", true}, {"duration", "9999999999999h", true},
    {"duration", "", false}, {"duration", "10", false}, {"duration", "10 parsecs", false},
    {"duration", "1.5 h", false}, {"duration", "h", false}, {"duration", ".s", false},
    {"duration", "-9999999999999h", false}, {"duration", "5 months", false}, {"duration", "1h-", false},
    {"date-time", "2024-01-01T00:00:00Z", true}, {"datetime", "2024-01-01t00:00:00z", true},
    {"date-time", "2024-02-29T23:59:59.123456+05:30", true}, {"date-time", "2024-01-01T10:00:00-07:00", true},
    {"date-time", "2024-01-01T10:00:00+0700", false}, {"date-time", "2023-02-29T00:00:00Z", false},
    {"date-time", "2024-01-01T24:00:00Z", false}, {"date-time", "2024-01-01T10:60:00Z", false},
    {"date-time", "2024-01-01 10:00:00Z", false}, {"date-time", "2024-01-01T10:00:00", false},
    {"date-time", "2024-1-01T10:00:00Z", false}, {"date-time", "yesterday", false},
    {"date", "2000-02-29", true}, {"date", "1900-02-29", false}, {"date", "2024-13-01", false},
    {"date", "2024-04-31", false}, {"date", "2024-04-30x", false},
    {"byte", "aGVsbG8=", true}, {"byte", "aGVsbA==", true}, {"byte", "aGVs", true}, {"byte", "", false},
    {"byte", "aGVsbG8", false}, {"byte", "a===", false}, {"byte", "aG!s", false},
    {"uuid", "123e4567-e89b-12d3-a456-426614174000", true}, {"uuid", "123E4567E89B12D3A456426614174000", true},
    {"uuid", "123e4567-e89b-12d3-a456-42661417400", false}, {"uuid4", "123e4567-e89b-42d3-a456-426614174000", true},
    {"uuid4", "123e4567-e89b-12d3-a456-426614174000", false}, {"uuid4", "123e4567-e89b-42d3-c456-426614174000", false},
    {"uuid3", "123e4567-e89b-32d3-c456-426614174000", true}, {"uuid5", "123e4567-e89b-52d3-8456-426614174000", true},
    {"ipv4", "10.0.0.1", true}, {"ipv4", "::ffff:10.0.0.1", true}, {"ipv4", "10.0.0.256", false},
    {"ipv4", "010.0.0.1", false}, {"ipv6", "fe80::1", true}, {"ipv6", "10.0.0.1", false},
    {"cidr", "10.0.0.0/8", true}, {"cidr", "fd00::/64", true}, {"cidr", "10.0.0.0/33", false},
    {"cidr", "10.0.0.0", false}, {"cidr", "10.0.0.0/", false},
    {"mac", "00:00:5e:00:53:01", true}, {"mac", "00-00-5E-00-53-01", true}, {"mac", "0000.5e00.5301", true},
    {"mac", "00:00:5e:00:53", false}, {"mac", "00:00-5e:00:53:01", false},
    {"hexcolor", "#fff", true}, {"hexcolor", "A0B1C2", true}, {"hexcolor", "#ffff", false},
    {"password", "", true}, {"email", "not checked", true},
};

Test(tas_schema, formats_table)
{
    for (size_t i = 0; i < sizeof(FORMATS) / sizeof(FORMATS[0]); i++)
        cr_expect_eq(tas_strfmt_valid(FORMATS[i].format, FORMATS[i].value), FORMATS[i].valid,
                     "%s %s", FORMATS[i].format, FORMATS[i].value);
}

Test(tas_schema, formats_kept_as_kube_strips_them)
{
    cr_expect(tas_strfmt_kept("string", "date-time"));
    cr_expect(tas_strfmt_kept(NULL, "duration"));
    cr_expect(tas_strfmt_kept("integer", "int64"));
    cr_expect(tas_strfmt_kept("number", "double"));
    cr_expect_not(tas_strfmt_kept("string", "k8s-short-name"));
    cr_expect_not(tas_strfmt_kept("string", "int-or-string"));
    cr_expect_not(tas_strfmt_kept("integer", "duration"));
    cr_expect_not(tas_strfmt_kept("boolean", "int64"));
    cr_expect_not(tas_strfmt_kept("string", ""));
    cr_expect_not(tas_strfmt_kept("string", NULL));
}

struct pattern_case {
    const char *pattern, *value;
    int want; /* 1 match, 0 no match, -1 rejected */
};

static const struct pattern_case PATTERNS[] = {
    {"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "abc-1", 1},
    {"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "-abc", 0},
    {"^\\d{3}-\\d{4}$", "555-1234", 1}, {"^\\d{3}-\\d{4}$", "55-1234", 0},
    {"^[\\w.-]+$", "a_b.c-d", 1}, {"^[\\w.-]+$", "a b", 0},
    {"^[^\\s]+$", "ab", 1}, {"^[^\\s]+$", "a\tb", 0}, {"^\\S+$", "a b", 0},
    {"^\\W$", "!", 1}, {"^\\D$", "7", 0},
    {"^a.c$", "abc", 1}, {"^a.c$", "a\nc", 0},
    {"(?i)^abc$", "ABC", 1}, {"^abc$", "ABC", 0},
    {"^(?:ab)+$", "abab", 1}, {"^(?P<x>a)(?<y>b)$", "ab", 1},
    {"^a{2,3}?$", "aaa", 1}, {"^a{2,3}$", "aaaa", 0}, {"^a+?b*?c??$", "aab", 1},
    {"^[]a]+$", "]a", 1}, {"^[a\\]]+$", "]", 1}, {"^[\\^x]+$", "^x", 1}, {"^[x^]$", "^", 1},
    {"^[\\^]$", "^", 1}, {"^[\\^-]+$", "-^", 1}, {"^[^^]$", "^", 0}, {"^[^^]$", "a", 1},
    {"^[-a]$", "-", 1}, {"^[a\\-z]$", "-", 1}, {"^[a\\-z]$", "b", 0}, {"^[a-c]$", "b", 1},
    {"^x{,3}$", "x{,3}", 1}, {"^x{a}$", "x{a}", 1}, {"^\\{\\}$", "{}", 1},
    {"^\\.$", ".", 1}, {"^\\.$", "a", 0}, {"^\\/path\\:x$", "/path:x", 1}, {"\\Aa\\z", "a", 1},
    {"^[[:alpha:]]+$", "abc", 1}, {"^[[:alpha:]]+$", "1", 0}, {"^\\x41\\x{42}$", "AB", 1},
    {"^\\Qa.b\\E$", "a.b", 1}, {"^\\Qa.b\\E$", "axb", 0}, {"^\\Q(x\\E", "(x", 1},
    {"^(a|b)$", "b", 1}, {"\\bword\\b", "a word here", 1}, {"^[\\n]$", "\n", 1}, {"^\\t$", "\t", 1},
    {"a", "xax", 1}, {"^$", "", 1},
    {"\\p{L}", "a", -1}, {"(?=a)", "a", -1}, {"(?i)x(?i)y", "xy", -1}, {"[", "", -1}, {"[a", "", -1},
    {"\\1", "", -1}, {"\\q", "", -1}, {"[\\D]", "", -1}, {"[\xc3\xa9]", "", -1}, {"[z-a]", "", -1},
    {"\\", "", -1}, {"(a", "", -1}, {"\\xZZ", "", -1},
};

Test(tas_schema, patterns_table)
{
    for (size_t i = 0; i < sizeof(PATTERNS) / sizeof(PATTERNS[0]); i++) {
        const struct pattern_case *p = &PATTERNS[i];
        char err[128] = "";
        regex_t re;
        int rc = tas_pattern_compile(&re, p->pattern, err, sizeof(err)), got;

        if (rc != 0) {
            cr_expect_eq(rc, -EINVAL);
            cr_expect_neq(err[0], '\0', "%s: no reason given", p->pattern);
            got = -1;
        } else {
            got = regexec(&re, p->value, 0, NULL, 0) == 0;
            regfree(&re);
        }
        cr_expect_eq(got, p->want, "pattern %s on \"%s\": got %d want %d (%s)", p->pattern, p->value,
                     got, p->want, err);
    }
}

Test(tas_schema, go_quote)
{
    struct tas_buf b = {0};

    tas_buf_go_quote(&b, "a\"b\\c\n\t\x01\x7f\xc3\xa9\xff\xc2\x85\a\b\f\r\v");
    cr_expect_str_eq(tas_buf_str(&b), "\"a\\\"b\\\\c\\n\\t\\x01\\x7f\xc3\xa9\\xff\\u0085\\a\\b\\f\\r\\v\"");
    tas_buf_free(&b);
    tas_buf_go_quote(&b, "\xe0\x80\x80\xed\xa0\x80\xf4\x90\x80\x80");
    cr_expect_str_eq(tas_buf_str(&b),
                     "\"\\xe0\\x80\\x80\\xed\\xa0\\x80\\xf4\\x90\\x80\\x80\"");
    tas_buf_free(&b);
}

struct float_case {
    double v;
    const char *want;
};

static const struct float_case FLOATS[] = {
    {1.5, "1.5"},     {100.0, "100"},       {1e6, "1e+06"},       {123456.0, "123456"},
    {0.0001, "0.0001"}, {0.00001, "1e-05"}, {-2.5, "-2.5"},       {0.1, "0.1"},
    {1234567.0, "1.234567e+06"}, {3e-7, "3e-07"}, {0.0, "0"},     {1e21, "1e+21"},
    {123.456, "123.456"}, {1e100, "1e+100"}, {0.30000000000000004, "0.30000000000000004"},
};

Test(tas_schema, go_float)
{
    for (size_t i = 0; i < sizeof(FLOATS) / sizeof(FLOATS[0]); i++) {
        struct tas_buf b = {0};
        tas_buf_go_float(&b, FLOATS[i].v);
        cr_expect_str_eq(tas_buf_str(&b), FLOATS[i].want, "%.17g", FLOATS[i].v);
        tas_buf_free(&b);
    }
}

Test(tas_schema, go_sharp_v_and_bad_value)
{
    struct tas_buf b = {0};
    json_t *v = J("{'b': 1, 'a': [true, null, 'x', 1.5, false, {}]}");
    json_t *s = J("'s'"), *n = J("null"), *i = J("-7");

    tas_buf_go_sharp_v(&b, v);
    cr_expect_str_eq(tas_buf_str(&b), "map[string]interface {}{\"a\":[]interface {}{true, interface {}(nil), "
                                      "\"x\", 1.5, false, map[string]interface {}{}}, \"b\":1}");
    tas_buf_truncate(&b, 0);
    tas_buf_go_bad_value(&b, s);
    tas_buf_go_bad_value(&b, n);
    tas_buf_go_bad_value(&b, NULL);
    tas_buf_go_bad_value(&b, i);
    cr_expect_str_eq(tas_buf_str(&b), "\"s\"\"null\"\"null\"-7");
    tas_buf_free(&b);
    cr_expect_str_eq(tas_buf_str(&b), "");
    json_decref(v);
    json_decref(s);
    json_decref(n);
    json_decref(i);
}
