#include "gofmt.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct tas_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->oom)
        return false;
    if (extra > SIZE_MAX - b->len - 1)
        goto fail;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(b->p, cap);
    if (p == NULL)
        goto fail;
    b->p = p;
    b->cap = cap;
    return true;
fail:
    b->oom = true;
    return false;
}

void tas_buf_free(struct tas_buf *b)
{
    free(b->p);
    *b = (struct tas_buf){0};
}

void tas_buf_putn(struct tas_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void tas_buf_puts(struct tas_buf *b, const char *s)
{
    tas_buf_putn(b, s, strlen(s));
}

void tas_buf_printf(struct tas_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *tas_buf_str(const struct tas_buf *b)
{
    return b->p && !b->oom ? b->p : "";
}

void tas_buf_truncate(struct tas_buf *b, size_t n)
{
    if (b->p != NULL && n < b->len) {
        b->len = n;
        b->p[n] = '\0';
    }
}

/* Length of the valid UTF-8 sequence at s and its code point, or 0. */
static size_t utf8_rune(const unsigned char *s, uint32_t *cp)
{
    size_t n, i;
    uint32_t c;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
        c = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        c = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

void tas_buf_go_quote(struct tas_buf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    tas_buf_putn(b, "\"", 1);
    while (*s) {
        uint32_t cp;
        size_t n = utf8_rune(s, &cp);
        switch (n == 1 ? cp : 0x100) {
        case '\a': tas_buf_puts(b, "\\a"); break;
        case '\b': tas_buf_puts(b, "\\b"); break;
        case '\f': tas_buf_puts(b, "\\f"); break;
        case '\n': tas_buf_puts(b, "\\n"); break;
        case '\r': tas_buf_puts(b, "\\r"); break;
        case '\t': tas_buf_puts(b, "\\t"); break;
        case '\v': tas_buf_puts(b, "\\v"); break;
        case '\\': tas_buf_puts(b, "\\\\"); break;
        case '"': tas_buf_puts(b, "\\\""); break;
        default:
            if (n == 0)
                tas_buf_printf(b, "\\x%02x", s[0]);
            else if (cp < 0x20 || cp == 0x7f)
                tas_buf_printf(b, "\\x%02x", (unsigned)cp);
            else if (cp >= 0x80 && cp < 0xa0) /* C1 controls are not printable */
                tas_buf_printf(b, "\\u%04x", (unsigned)cp);
            else
                tas_buf_putn(b, (const char *)s, n);
        }
        s += n ? n : 1;
    }
    tas_buf_putn(b, "\"", 1);
}

void tas_buf_go_float(struct tas_buf *b, double v)
{
    char e[40], digits[24];
    int prec, exp, nd = 0;
    const char *p;

    /* shortest digits that read back as v, as strconv's shortest mode */
    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    p = e;
    if (*p == '-') {
        tas_buf_putn(b, "-", 1);
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    exp = atoi(p + 1);

    if (exp < -4 || exp >= 6) {
        tas_buf_putn(b, digits, 1);
        if (nd > 1) {
            tas_buf_putn(b, ".", 1);
            tas_buf_putn(b, digits + 1, (size_t)nd - 1);
        }
        tas_buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
    } else if (exp < 0) {
        tas_buf_puts(b, "0.");
        for (int i = -1; i > exp; i--)
            tas_buf_putn(b, "0", 1);
        tas_buf_puts(b, digits);
    } else {
        for (int i = 0; i <= exp || i < nd; i++) {
            if (i == exp + 1)
                tas_buf_putn(b, ".", 1);
            tas_buf_putn(b, i < nd ? &digits[i] : "0", 1);
        }
    }
}

void tas_buf_go_number(struct tas_buf *b, const json_t *v)
{
    if (json_is_integer(v))
        tas_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        tas_buf_go_float(b, json_real_value(v));
}

static int cmp_keys(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

void tas_buf_go_sharp_v(struct tas_buf *b, const json_t *v)
{
    size_t i, n;
    const char *k, **keys;
    const json_t *e;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        /* fmt prints maps with sorted keys */
        n = json_object_size(v);
        keys = calloc(n ? n : 1, sizeof(*keys));
        if (keys == NULL) {
            b->oom = true;
            return;
        }
        i = 0;
        json_object_foreach((json_t *)v, k, e)
            keys[i++] = k;
        qsort(keys, n, sizeof(*keys), cmp_keys);
        tas_buf_puts(b, "map[string]interface {}{");
        for (i = 0; i < n; i++) {
            if (i)
                tas_buf_puts(b, ", ");
            tas_buf_go_quote(b, keys[i]);
            tas_buf_putn(b, ":", 1);
            tas_buf_go_sharp_v(b, json_object_get(v, keys[i]));
        }
        tas_buf_putn(b, "}", 1);
        free(keys);
        break;
    case JSON_ARRAY:
        tas_buf_puts(b, "[]interface {}{");
        json_array_foreach(v, i, e) {
            if (i)
                tas_buf_puts(b, ", ");
            tas_buf_go_sharp_v(b, e);
        }
        tas_buf_putn(b, "}", 1);
        break;
    case JSON_STRING:
        tas_buf_go_quote(b, json_string_value(v));
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        tas_buf_go_number(b, v);
        break;
    case JSON_TRUE:
        tas_buf_puts(b, "true");
        break;
    case JSON_FALSE:
        tas_buf_puts(b, "false");
        break;
    case JSON_NULL:
    default:
        tas_buf_puts(b, "interface {}(nil)");
        break;
    }
}

void tas_buf_go_bad_value(struct tas_buf *b, const json_t *v)
{
    if (v == NULL || json_is_null(v))
        tas_buf_puts(b, "\"null\"");
    else
        tas_buf_go_sharp_v(b, v);
}
