/* Small helpers shared by the test API server's modules: randomness, time,
 * base64, strict number parsing and read-only JSON accessors. None of them
 * keeps state; JSON accessors return borrowed references. */
#ifndef TAS_UTIL_H
#define TAS_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Fills buf with len bytes from the kernel's CSPRNG. 0 or -errno. */
int tas_random(void *buf, size_t len);

/* A random RFC 4122 version-4 UUID, lowercase, NUL-ended (37 bytes). */
int tas_uuid(char out[37]);

/* "2006-01-02T15:04:05Z", the form kube writes metav1.Time in. */
void tas_time_format(time_t t, char out[21]);
/* Parses the form above (also with fractional seconds or an offset). */
int tas_time_parse(const char *s, time_t *out);

/* Milli- and microseconds on the monotonic clock. */
uint64_t tas_now_ms(void);
uint64_t tas_now_us(void);

/* Base64 (standard or URL-safe alphabet, padded only when standard).
 * Returns a malloc'd NUL-ended string the caller frees, or NULL. */
char *tas_b64_encode(const void *data, size_t len, bool url);
/* Decodes either alphabet, padding optional. *out is malloc'd and NUL-ended
 * (not counted in *len); caller frees. 0 or -EINVAL/-ENOMEM. */
int tas_b64_decode(const char *s, unsigned char **out, size_t *len);

/* Strict decimal parse of the whole string (no sign, no spaces). */
bool tas_parse_u64(const char *s, uint64_t *out);
/* Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False. */
bool tas_parse_bool(const char *s, bool *out);

/* obj[key] when it is a string, else NULL. */
const char *tas_jstr(const json_t *obj, const char *key);
/* Follows dot-separated object keys ("metadata.labels"); NULL if absent. */
json_t *tas_jpath(const json_t *obj, const char *dotted);
/* String at a dotted path, or NULL. */
const char *tas_jpath_str(const json_t *obj, const char *dotted);
/* metadata.<key> as a string, or NULL. */
const char *tas_meta(const json_t *obj, const char *key);
/* Returns obj[key], creating an empty object there first when it is not
 * an object. NULL only on allocation failure. */
json_t *tas_jobj(json_t *obj, const char *key);

/* json_equal() that also calls two absent (NULL) values equal. */
bool tas_json_same(const json_t *a, const json_t *b);

/* snprintf into a malloc'd string; NULL on failure. */
char *tas_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
