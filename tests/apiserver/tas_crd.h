/* CustomResourceDefinitions: their strategy (defaults, validation) and the
 * controller work kube's apiextensions-apiserver does after a CRD is
 * written: accept its names, mark it Established and start serving its
 * kinds. */
#ifndef TAS_CRD_H
#define TAS_CRD_H

#include <jansson.h>
#include <stddef.h>

int tas_crd_on_create(json_t *obj);
int tas_crd_on_write(json_t *obj, char *err, size_t errlen);
int tas_crd_validate(const json_t *obj, const json_t *old, json_t *causes);

/* The status a CRD should have once its names are accepted: a new object
 * (copy of crd with status.acceptedNames and the NamesAccepted/Established
 * conditions), or NULL when crd already has it (or on ENOMEM, *err set). */
json_t *tas_crd_established(const json_t *crd, int *err);

/* The finalizer that makes deleting a CRD delete its objects first. */
#define TAS_CRD_CLEANUP_FINALIZER "customresourcecleanup.apiextensions.k8s.io"

#endif
