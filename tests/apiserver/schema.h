/* Structural-schema handling of custom resources as kube-apiserver does it on
 * create and update: prune unknown fields, drop non-nullable nulls, apply
 * defaults, then validate against the OpenAPI v3 schema and the list-type
 * invariants, producing kube's field errors. CEL rules (x-kubernetes-validations)
 * are not evaluated, and allOf/anyOf/oneOf/not are ignored: our CRDs express
 * their cross-field rules in CEL, which the operator's validator re-checks. */
#ifndef TAS_SCHEMA_H
#define TAS_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

/* schema: the served version's openAPIV3Schema (borrowed). obj: the whole
 * object (apiVersion, kind, metadata, spec, status...), modified in place.
 * Returns a new reference to an array of causes in kube's Status form,
 * [{"reason":"FieldValueRequired","message":"Required value","field":"spec.images"}],
 * empty when the object is valid; NULL only when memory ran out.
 * At the root apiVersion, kind and metadata are never pruned, and metadata is
 * checked against the schema only for name and generateName. */
json_t *tas_schema_apply(const json_t *schema, json_t *obj);

/* As tas_schema_apply; when unknown is non-NULL it receives a new array of
 * the paths of the pruned fields ("spec.foo", "spec.list[1].bar"), which kube
 * reports as `unknown field "spec.foo"` warnings, or as a 400 under
 * fieldValidation=Strict. */
json_t *tas_schema_apply_ex(const json_t *schema, json_t *obj, json_t **unknown);

/* The message of kube's 422 Invalid Status for these causes:
 * `MustGather.operator.openshift.io "x" is invalid: spec.images: Required value`,
 * several causes as "[a, b]" (duplicate messages once). group may be "" (core).
 * Returns 0, -ENOSPC if buf was too small (truncated, terminated), or -ENOMEM. */
int tas_schema_invalid_message(const char *kind, const char *group, const char *name,
                               const json_t *causes, char *buf, size_t len);

#endif
