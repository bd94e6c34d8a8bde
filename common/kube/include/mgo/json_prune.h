/* JSON text without the members its reader never looks at.
 *
 * jansson builds every value it parses, at about 15 ns a byte on this
 * project's machines. A Job's spec (its pod template, with the gather
 * wrapper's 2 KiB script) is four fifths of the Job, and neither the
 * watcher nor the launcher reads it; their watches parse the whole Job
 * again at each of its changes. mgo_json_prune_paths copies the text with
 * such values replaced, scanning at under a nanosecond a byte, and jansson
 * parses what is left (docs/design.md, "Parsing what is read"). */
#ifndef MGO_JSON_PRUNE_H
#define MGO_JSON_PRUNE_H

#include <stddef.h>

/* Deeper text is left to jansson, which refuses it (its own bound is 2048). */
#define MGO_JSON_PRUNE_MAX_DEPTH 2048
/* Paths one scan follows at most. */
#define MGO_JSON_PRUNE_MAX_PATHS 4

/* Copies the JSON text in[0..len) to out, which has room for len bytes,
 * with the value of every member at each of `paths` replaced by null, and
 * sets *out_len. `paths` is a NULL-ended list of at most
 * MGO_JSON_PRUNE_MAX_PATHS paths; a path is a NULL-ended list of steps
 * from the top value: a member name (matched on its raw bytes; a name
 * written with escapes is not matched, and its value is kept), or "*" for
 * every element of an array. {"object", "spec", NULL} is a watch event's
 * object's spec; {"items", "*", "spec", NULL} each item's of a List. Where
 * one path ends at a value another goes into, the value goes. A value
 * shorter than "null" is copied as it is.
 *
 * Returns how many values were replaced; -EINVAL for no path, an empty
 * one or too many; or -EBADMSG when the text is not JSON as far as the
 * scan can tell (unclosed strings or brackets, brackets that do not pair,
 * a missing separator on a path, bytes after the top value, nesting over
 * MGO_JSON_PRUNE_MAX_DEPTH): the caller then parses `in` itself, and
 * jansson says what is wrong. Everything kept is copied byte for byte and
 * is parsed by jansson as before; a replaced value is only checked for
 * closed strings and paired brackets, so text that is malformed only
 * inside it is read as if it were well-formed. out may be in itself (the
 * text is then scanned twice, so that text refused is left as it came),
 * or must not overlap it. */
int mgo_json_prune_paths(const char *in, size_t len, const char *const *const *paths, char *out,
			 size_t *out_len);

#endif
