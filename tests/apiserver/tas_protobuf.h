/* Request bodies in Kubernetes' protobuf encoding ("k8s\0" + runtime.Unknown),
 * decoded to JSON for the few kinds kubectl's typed clients send that way
 * (kubectl auth can-i, kubectl create configmap/secret/namespace/
 * serviceaccount/role/rolebinding/...). Hand-written because Debian has no
 * protobuf runtime with Kubernetes' generated descriptors; the field tables
 * follow k8s.io/api's generated.proto. Bounded by the input length and a
 * nesting limit; never trusts a declared length beyond the buffer. */
#ifndef TAS_PROTOBUF_H
#define TAS_PROTOBUF_H

#include <jansson.h>
#include <stddef.h>

#define TAS_PROTOBUF_TYPE "application/vnd.kubernetes.protobuf"

/* Returns the object as JSON (new reference), or NULL with err filled and
 * *unsupported set when the kind is not one we decode (415) rather than
 * the bytes being malformed (400). */
json_t *tas_protobuf_decode(const unsigned char *buf, size_t len, char *err, size_t errlen,
			    int *unsupported);

#endif
