/* A growable string and the Go formatting kube-apiserver's messages are made
 * of (strconv.Quote, %v of float64, %#v of decoded JSON), so the test API
 * server's error messages read byte for byte like the real ones. */
#ifndef TAS_GOFMT_H
#define TAS_GOFMT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Zero-initialise. After an allocation failure every append is a no-op and
 * oom stays set, so callers check once at the end. p is NUL-terminated
 * whenever it is non-NULL; the buffer owns it (tas_buf_free, or take it). */
struct tas_buf {
    char *p;
    size_t len, cap;
    bool oom;
};

void tas_buf_free(struct tas_buf *b);
void tas_buf_putn(struct tas_buf *b, const char *s, size_t n);
void tas_buf_puts(struct tas_buf *b, const char *s);
void tas_buf_printf(struct tas_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The contents, "" if nothing was appended (never NULL). */
const char *tas_buf_str(const struct tas_buf *b);
/* Drops everything after the first n bytes. */
void tas_buf_truncate(struct tas_buf *b, size_t n);

/* strconv.Quote: double-quoted, Go escapes; valid UTF-8 is kept, invalid
 * bytes become \xNN. */
void tas_buf_go_quote(struct tas_buf *b, const char *s);
/* fmt's %v of a float64 (shortest repr, exponent form below 1e-4 and from 1e6). */
void tas_buf_go_float(struct tas_buf *b, double v);
/* fmt's %v of a JSON number as Go decodes it: integers as int64, others float64. */
void tas_buf_go_number(struct tas_buf *b, const json_t *v);
/* fmt's %#v of a JSON value as decoded by Go into interface{} (borrowed):
 * map[string]interface {}{"k":1}, []interface {}{"a"}, interface {}(nil). */
void tas_buf_go_sharp_v(struct tas_buf *b, const json_t *v);
/* How field.Error's ErrorBody prints a bad value: strings and null quoted,
 * numbers and booleans bare, objects and arrays with %#v. */
void tas_buf_go_bad_value(struct tas_buf *b, const json_t *v);

#endif
