/* RFC 6902 JSON Patch (application/json-patch+json) with RFC 6901 pointers.
 * Hand-written: Debian ships no C JSON Patch library for jansson, and the
 * operations are few and small. */
#ifndef TAS_JSONPATCH_H
#define TAS_JSONPATCH_H

#include <jansson.h>
#include <stddef.h>

/* Applies patch (an array of operations, borrowed) to doc (borrowed) and
 * returns the result as a new object. On failure returns NULL with err
 * filled and *bad_request set when the patch itself is malformed (400)
 * rather than inapplicable (422). */
json_t *tas_json_patch(const json_t *doc, const json_t *patch, char *err, size_t errlen,
		       int *bad_request);

#endif
