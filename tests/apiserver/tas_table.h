/* Server-side printing: the meta.k8s.io/v1 Table kubectl asks for with
 * "Accept: application/json;as=Table;v=v1;g=meta.k8s.io", and the
 * PartialObjectMetadata(List) metadata-only views. Columns follow kube's
 * printers for built-in kinds and a CRD's additionalPrinterColumns (plus
 * Name, and Age when it declares none) for custom resources. */
#ifndef TAS_TABLE_H
#define TAS_TABLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "tas_restype.h"

enum tas_include { TAS_INCLUDE_METADATA = 0, TAS_INCLUDE_OBJECT, TAS_INCLUDE_NONE };

/* A Table of the stored objects objs[0..n) as rt presents them. With
 * headers false columnDefinitions is left out (watch events after the
 * first). list_meta (borrowed, may be NULL) becomes the Table's metadata.
 * New reference or NULL. */
json_t *tas_table(const struct tas_restype *rt, const json_t *const *objs, size_t n,
		  bool headers, enum tas_include inc, const json_t *list_meta);

/* PartialObjectMetadata of a presented object (new reference or NULL). */
json_t *tas_partial(const json_t *obj);

/* The cell text kube prints for a timestamp's age ("5s", "3m2s", "4h", "12d"). */
void tas_human_age(long long seconds, char *buf, size_t len);

/* Evaluates the JSONPath subset printer columns use: ".a.b", ".a[0].b",
 * ".a[?(@.k==\"v\")].b". Returns the first result (borrowed) or NULL. */
const json_t *tas_jsonpath(const json_t *obj, const char *path);

#endif
