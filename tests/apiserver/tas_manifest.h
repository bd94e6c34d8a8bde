/* Kubernetes manifests (YAML) to JSON (jansson), for --load: every
 * document of a stream, scalars resolved as sigs.k8s.io/yaml (YAML 1.1 via
 * go-yaml v2) resolves them. common's mgo_yaml_parse() is for our own
 * config files (one document, no aliases, no type resolution); manifests
 * are multi-document streams kubectl would accept. Bounded: nesting depth
 * and the number of values, aliases included, so an alias bomb cannot
 * exhaust memory. */
#ifndef TAS_MANIFEST_H
#define TAS_MANIFEST_H

#include <jansson.h>
#include <stddef.h>

/* Returns a new array with one element per non-empty document, or NULL
 * with err filled (line and column of the problem). */
json_t *tas_manifest_documents(const char *text, size_t len, char *err, size_t errlen);

#endif
