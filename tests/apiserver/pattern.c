/* Hand-written: no Debian C library speaks RE2 syntax with POSIX semantics
 * that would fit here (libre2 is C++), and the CRD patterns we serve use a
 * small, well-defined subset. */
#include "pattern.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gofmt.h"

#define ERE_SPECIAL ".[]()*+?{}|^$\\"
#define GO_SPACE " \t\n\f\r"

struct xlat {
    const char *p;
    struct tas_buf out;
    char *err;
    size_t errlen;
    bool icase;
};

static int fail(struct xlat *x, const char *why)
{
    snprintf(x->err, x->errlen, "%s", why);
    return -EINVAL;
}

static void add(uint8_t set[32], int c)
{
    set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool has(const uint8_t set[32], int c)
{
    return set[c >> 3] & (1u << (c & 7));
}

static void add_class(uint8_t set[32], char cls)
{
    for (int c = 1; c < 128; c++)
        if ((cls == 'd' && isdigit(c)) || (cls == 'w' && (isalnum(c) || c == '_')) ||
            (cls == 's' && strchr(GO_SPACE, c) != NULL))
            add(set, c);
}

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* \xHH or \x{H..}: the byte, or -1 */
static int hex_escape(struct xlat *x)
{
    int v = 0;

    if (*x->p == '{') {
        x->p++;
        while (isxdigit((unsigned char)*x->p) && v < 0x100)
            v = v * 16 + hexval((unsigned char)*x->p++);
        if (*x->p++ != '}')
            return -1;
    } else {
        if (!isxdigit((unsigned char)x->p[0]) || !isxdigit((unsigned char)x->p[1]))
            return -1;
        v = hexval((unsigned char)x->p[0]) * 16 + hexval((unsigned char)x->p[1]);
        x->p += 2;
    }
    return v > 0 && v < 0x100 ? v : -1;
}

static int control_escape(char c)
{
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'v': return '\v';
    case 'a': return '\a';
    default: return -1;
    }
}

/* One member of a bracket: a byte (>= 0), a class merged into set (-2), or
 * an error (-1, message set). */
static int bracket_atom(struct xlat *x, uint8_t set[32])
{
    unsigned char c = (unsigned char)*x->p++;
    int v;

    if (c >= 0x80)
        return fail(x, "non-ASCII character in a bracket expression"), -1;
    if (c != '\\')
        return c;
    c = (unsigned char)*x->p++;
    if (c == 'd' || c == 'w' || c == 's') {
        add_class(set, (char)c);
        return -2;
    }
    if (c == 'x')
        return (v = hex_escape(x)) < 0 ? (fail(x, "invalid \\x escape"), -1) : v;
    if ((v = control_escape((char)c)) >= 0)
        return v;
    if (c != '\0' && ispunct(c))
        return c;
    return fail(x, "unsupported escape in a bracket expression"), -1;
}

static bool posix_class(struct xlat *x, uint8_t set[32])
{
    static const struct {
        const char *name;
        int (*is)(int);
    } classes[] = {
        {"alnum", isalnum}, {"alpha", isalpha}, {"blank", isblank}, {"cntrl", iscntrl},
        {"digit", isdigit}, {"graph", isgraph}, {"lower", islower}, {"print", isprint},
        {"punct", ispunct}, {"space", isspace}, {"upper", isupper}, {"xdigit", isxdigit},
    };
    const char *end = strstr(x->p + 2, ":]");

    if (end == NULL)
        return false;
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        if (strlen(classes[i].name) == (size_t)(end - x->p - 2) &&
            strncmp(x->p + 2, classes[i].name, (size_t)(end - x->p - 2)) == 0) {
            for (int c = 1; c < 128; c++)
                if (classes[i].is(c))
                    add(set, c);
            x->p = end + 2;
            return true;
        }
    }
    return false;
}

/* POSIX brackets have placement rules (']' first, '-' last, '^' not first)
 * instead of escapes, so the bracket is rebuilt from the bytes it denotes. */
static void emit_set(struct xlat *x, const uint8_t set[32], bool neg)
{
    int members = 0;

    for (int c = 1; c < 128; c++)
        members += has(set, c) ? 1 : 0;
    if (!neg && members == 1 && has(set, '^')) {
        tas_buf_puts(&x->out, "\\^");
        return;
    }
    tas_buf_puts(&x->out, neg ? "[^" : "[");
    if (has(set, ']'))
        tas_buf_putn(&x->out, "]", 1);
    else if (has(set, '-'))
        tas_buf_putn(&x->out, "-", 1);
    for (int c = 1; c < 128; c++) {
        char ch = (char)c;
        if (has(set, c) && c != ']' && c != '-' && c != '^')
            tas_buf_putn(&x->out, &ch, 1);
    }
    if (has(set, '^'))
        tas_buf_putn(&x->out, "^", 1);
    if (has(set, '-') && has(set, ']'))
        tas_buf_putn(&x->out, "-", 1);
    tas_buf_putn(&x->out, "]", 1);
}

static int bracket(struct xlat *x)
{
    uint8_t set[32] = {0};
    bool neg = false, first = true;

    if (*x->p == '^') {
        neg = true;
        x->p++;
    }
    while (first || *x->p != ']') {
        int lo, hi;

        if (*x->p == '\0')
            return fail(x, "missing closing ]");
        first = false;
        if (x->p[0] == '[' && x->p[1] == ':' && posix_class(x, set))
            continue;
        lo = bracket_atom(x, set);
        if (lo == -1)
            return -EINVAL;
        if (lo >= 0 && x->p[0] == '-' && x->p[1] != ']' && x->p[1] != '\0') {
            x->p++;
            hi = bracket_atom(x, set);
            if (hi == -1)
                return -EINVAL;
            if (hi < lo)
                return fail(x, "invalid character class range");
            for (int c = lo; c <= hi; c++)
                add(set, c);
        } else if (lo >= 0) {
            add(set, lo);
        }
    }
    x->p++;
    emit_set(x, set, neg);
    return 0;
}

static void literal(struct xlat *x, int c)
{
    char ch = (char)c;
    if (strchr(ERE_SPECIAL, c) != NULL)
        tas_buf_putn(&x->out, "\\", 1);
    tas_buf_putn(&x->out, &ch, 1);
}

static int escape(struct xlat *x)
{
    char c = *x->p++;
    uint8_t set[32] = {0};
    int v;

    switch (c) {
    case 'd': case 'w': case 's':
    case 'D': case 'W': case 'S':
        add_class(set, (char)tolower((unsigned char)c));
        emit_set(x, set, isupper((unsigned char)c));
        return 0;
    case 'b': case 'B': /* GNU regex supports word boundaries in ERE */
        tas_buf_putn(&x->out, "\\", 1);
        tas_buf_putn(&x->out, &c, 1);
        return 0;
    case 'A':
        tas_buf_putn(&x->out, "^", 1);
        return 0;
    case 'z':
        tas_buf_putn(&x->out, "$", 1);
        return 0;
    case 'x':
        if ((v = hex_escape(x)) < 0)
            return fail(x, "invalid \\x escape");
        literal(x, v);
        return 0;
    case 'Q': {
        const char *end = strstr(x->p, "\\E");
        size_t n = end ? (size_t)(end - x->p) : strlen(x->p);
        for (size_t i = 0; i < n; i++)
            literal(x, (unsigned char)x->p[i]);
        x->p += n + (end ? 2 : 0);
        return 0;
    }
    default:
        if ((v = control_escape(c)) >= 0) {
            literal(x, v);
            return 0;
        }
        if (c != '\0' && ispunct((unsigned char)c)) {
            literal(x, (unsigned char)c);
            return 0;
        }
        return fail(x, c == 'p' || c == 'P' ? "unicode classes are not supported"
                                            : "unsupported escape sequence");
    }
}

/* {n}, {n,} or {n,m} at p: its length, or 0 when Go would read a literal '{' */
static size_t repeat_len(const char *p)
{
    size_t i = 1;

    if (!isdigit((unsigned char)p[i]))
        return 0;
    while (isdigit((unsigned char)p[i]))
        i++;
    if (p[i] == ',')
        for (i++; isdigit((unsigned char)p[i]); i++)
            ;
    return p[i] == '}' ? i + 1 : 0;
}

static int group(struct xlat *x, bool at_start)
{
    if (x->p[0] != '?') {
        tas_buf_putn(&x->out, "(", 1);
        return 0;
    }
    if (x->p[1] == ':') {
        x->p += 2;
    } else if (x->p[1] == 'P' && x->p[2] == '<') {
        x->p = strchr(x->p, '>') ? strchr(x->p, '>') + 1 : x->p + strlen(x->p);
    } else if (x->p[1] == '<' && x->p[2] != '=' && x->p[2] != '!') {
        x->p = strchr(x->p, '>') ? strchr(x->p, '>') + 1 : x->p + strlen(x->p);
    } else if (at_start && strncmp(x->p, "?i)", 3) == 0) {
        x->icase = true;
        x->p += 3;
        return 0;
    } else {
        return fail(x, "unsupported group flags or lookaround");
    }
    tas_buf_putn(&x->out, "(", 1);
    return 0;
}

static int translate(struct xlat *x)
{
    const char *start = x->p;

    while (*x->p) {
        char c = *x->p++;
        size_t n;
        int rc = 0;

        switch (c) {
        case '\\':
            rc = escape(x);
            break;
        case '[':
            rc = bracket(x);
            break;
        case '(':
            rc = group(x, x->p - 1 == start);
            break;
        case '.':
            tas_buf_puts(&x->out, "[^\n]");
            break;
        case '*': case '+': case '?':
            tas_buf_putn(&x->out, &c, 1);
            if (*x->p == '?') /* lazy: same answer to "does it match" */
                x->p++;
            break;
        case '{':
            n = repeat_len(x->p - 1);
            if (n == 0) {
                tas_buf_puts(&x->out, "\\{");
                break;
            }
            tas_buf_putn(&x->out, x->p - 1, n);
            x->p += n - 1;
            if (*x->p == '?')
                x->p++;
            break;
        default:
            tas_buf_putn(&x->out, &c, 1);
        }
        if (rc)
            return rc;
    }
    return x->out.oom ? fail(x, "out of memory") : 0;
}

int tas_pattern_compile(regex_t *re, const char *pattern, char *err, size_t errlen)
{
    struct xlat x = {.p = pattern, .err = err, .errlen = errlen};
    int rc;

    rc = translate(&x);
    if (rc)
        goto out;
    rc = regcomp(re, tas_buf_str(&x.out), REG_EXTENDED | REG_NOSUB | (x.icase ? REG_ICASE : 0));
    if (rc) {
        regerror(rc, re, err, errlen);
        rc = -EINVAL;
    }
out:
    tas_buf_free(&x.out);
    return rc;
}
