/* YAML manifests to JSON (jansson), for --load: every document of a stream,
 * scalars resolved as sigs.k8s.io/yaml (YAML 1.1 via go-yaml v2) resolves
 * them. Bounded: nesting depth and the number of values, aliases included,
 * so an alias bomb cannot exhaust memory. */
#ifndef TAS_YAMLDOC_H
#define TAS_YAMLDOC_H

#include <jansson.h>
#include <stddef.h>

/* Returns a new array with one element per non-empty document, or NULL
 * with err filled (line and column of the problem). */
json_t *tas_yaml_documents(const char *text, size_t len, char *err, size_t errlen);

#endif
