/* Hand-written because these are kube's own rules (Go's time and net parsers,
 * govalidator's patterns), not a standard a C library implements. */
#include "strfmt.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const STRING_FORMATS[] = {
    "bsonobjectid", "uri", "email", "hostname", "ipv4", "ipv6", "cidr", "mac",
    "uuid", "uuid3", "uuid4", "uuid5", "isbn", "isbn10", "isbn13", "creditcard",
    "ssn", "hexcolor", "rgbcolor", "byte", "password", "date", "duration",
    "datetime", "quantity",
};

/* Compares a schema's format with a registry name, dashes ignored. */
static bool format_is(const char *format, const char *name)
{
    for (;; format++) {
        while (*format == '-')
            format++;
        if (*format != *name)
            return false;
        if (*format == '\0')
            return true;
        name++;
    }
}

bool tas_strfmt_kept(const char *type, const char *format)
{
    if (format == NULL || format[0] == '\0')
        return false;
    if (type == NULL || strcmp(type, "string") == 0) {
        for (size_t i = 0; i < sizeof(STRING_FORMATS) / sizeof(STRING_FORMATS[0]); i++)
            if (format_is(format, STRING_FORMATS[i]))
                return true;
        return false;
    }
    if (strcmp(type, "integer") == 0)
        return strcmp(format, "int32") == 0 || strcmp(format, "int64") == 0;
    if (strcmp(type, "number") == 0)
        return strcmp(format, "float") == 0 || strcmp(format, "double") == 0;
    return false;
}

/* time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ with Go's units and
 * its overflow limits (kube's fallback below may still accept an overflow). */
static bool go_parse_duration(const char *s)
{
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {
        {"ns", 1},          {"us", 1000},      {"\xc2\xb5s", 1000}, {"\xce\xbcs", 1000},
        {"ms", 1000000},    {"s", 1000000000}, {"m", 60000000000}, {"h", 3600000000000},
    };
    const uint64_t lim = UINT64_C(1) << 63;
    uint64_t d = 0;
    bool neg = false;

    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (strcmp(s, "0") == 0)
        return true;
    if (*s == '\0')
        return false;
    while (*s) {
        bool pre = false, post = false;
        uint64_t v = 0, unit = 0;
        double f = 0, scale = 1;
        size_t ulen;

        if (!(*s == '.' || isdigit((unsigned char)*s)))
            return false;
        for (; isdigit((unsigned char)*s); s++) {
            pre = true;
            if (v > lim / 10)
                return false;
            v = v * 10 + (uint64_t)(*s - '0');
            if (v > lim)
                return false;
        }
        if (*s == '.')
            for (s++; isdigit((unsigned char)*s); s++) {
                post = true;
                if (scale < 1e18) {
                    f = f * 10 + (*s - '0');
                    scale *= 10;
                }
            }
        if (!pre && !post)
            return false;
        ulen = strcspn(s, ".0123456789");
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
            if (ulen > 0 && strlen(units[i].name) == ulen && strncmp(s, units[i].name, ulen) == 0)
                unit = units[i].ns;
        if (unit == 0 || v > lim / unit)
            return false;
        v *= unit;
        if (f > 0) {
            v += (uint64_t)(f * ((double)unit / scale));
            if (v > lim)
                return false;
        }
        d += v;
        if (d > lim)
            return false;
        s += ulen;
    }
    return neg || d <= lim - 1;
}

static bool go_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* [A-Za-zµ]+ ; returns the byte length matched */
static size_t unit_run(const char *s)
{
    size_t n = 0;
    for (;;) {
        if (isalpha((unsigned char)s[n]) && (unsigned char)s[n] < 0x80)
            n++;
        else if ((unsigned char)s[n] == 0xc2 && (unsigned char)s[n + 1] == 0xb5)
            n += 2;
        else
            return n;
    }
}

/* strfmt.ParseDuration's fallback: the whole string must be
 * ^\s*(?:\d+\s*[A-Za-zµ]+\s*)+$ and at least one unit must be known, where a
 * unit is known if it equals (case-insensitively) a variant of a group, or
 * starts with the group's longest spelling ("days", "mins", "hours"). */
static bool scala_duration(const char *s)
{
    static const char *const groups[][4] = {
        {"ns", "nano", NULL}, {"us", "\xc2\xb5s", "micro", NULL}, {"ms", "milli", NULL},
        {"s", "sec", NULL},   {"m", "min", NULL},                 {"h", "hr", "hour", NULL},
        {"d", "day", NULL},   {"w", "wk", "week", NULL},
    };
    bool any = false, known = false;

    while (go_space(*s))
        s++;
    while (*s) {
        size_t ulen;
        char unit[32];

        if (!isdigit((unsigned char)*s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
        while (go_space(*s))
            s++;
        ulen = unit_run(s);
        if (ulen == 0)
            return false;
        any = true;
        if (ulen < sizeof(unit)) {
            for (size_t i = 0; i < ulen; i++)
                unit[i] = (char)tolower((unsigned char)s[i]);
            unit[ulen] = '\0';
            for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
                size_t last = 0;
                while (groups[g][last + 1] != NULL)
                    last++;
                for (size_t v = 0; v <= last; v++) {
                    const char *var = groups[g][v];
                    if ((v == last && strncmp(unit, var, strlen(var)) == 0) ||
                        strcasecmp(unit, var) == 0)
                        known = true;
                }
            }
        }
        s += ulen;
        while (go_space(*s))
            s++;
    }
    return any && known;
}

static bool all(const char *s, size_t n, int (*is)(int))
{
    for (size_t i = 0; i < n; i++)
        if (!is((unsigned char)s[i]))
            return false;
    return true;
}

static bool digits(const char *s, size_t n)
{
    return all(s, n, isdigit);
}

static bool xdigits(const char *s, size_t n)
{
    return all(s, n, isxdigit);
}

/* time.Parse("2006-01-02", s): fixed widths and a day that exists. */
static bool go_date(const char *s, size_t len)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, max;

    if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
        !digits(s + 8, 2))
        return false;
    y = atoi(s);
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12)
        return false;
    max = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d >= 1 && d <= max;
}

static bool zone(const char *z, size_t n)
{
    if (n == 1)
        return *z == 'z' || *z == 'Z';
    return n == 6 && (*z == '+' || *z == '-') && digits(z + 1, 2) && z[3] == ':' &&
           digits(z + 4, 2);
}

/* strfmt.IsDateTime: lowercased, split at 't'; a date, then
 * ^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$ with
 * hour <= 23, minute and second <= 59 (compared as strings, as kube does). */
static bool datetime(const char *s)
{
    const char *t, *end;
    size_t rest;

    if (strlen(s) < 4)
        return false;
    t = strpbrk(s, "tT");
    if (t == NULL || !go_date(s, (size_t)(t - s)))
        return false;
    t++;
    end = strpbrk(t, "tT");
    if (end == NULL)
        end = t + strlen(t);
    if (end - t < 9 || !digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) || t[5] != ':' ||
        !digits(t + 6, 2))
        return false;
    if (strncmp(t, "23", 2) > 0 || strncmp(t + 3, "59", 2) > 0 || strncmp(t + 6, "59", 2) > 0)
        return false;
    t += 8;
    rest = (size_t)(end - t);
    /* the zone is the fixed-length tail; before it an optional ".digits" where
     * the dot is the regexp's any-character */
    for (size_t zl = 1; zl <= 6; zl += 5) {
        size_t fl = rest - zl;
        if (rest >= zl && zone(end - zl, zl) && (fl == 0 || (fl >= 2 && digits(t + 1, fl - 1))))
            return true;
    }
    return false;
}

/* govalidator.IsBase64 */
static bool base64(const char *s)
{
    size_t n = strlen(s), pad = 0;

    if (n == 0 || n % 4 != 0)
        return false;
    if (s[n - 1] == '=')
        pad = s[n - 2] == '=' ? 2 : 1;
    for (size_t i = 0; i < n - pad; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/')
            return false;
    return true;
}

/* strfmt's UUID patterns: (?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$
 * with the version digit fixed for uuid3/4/5 (version 0: any) and the variant
 * digit [89ab] for uuid4/5. */
static bool uuid(const char *s, char version)
{
    static const size_t groups[] = {8, 4, 4, 4, 12};

    for (size_t g = 0; g < 5; g++) {
        if (g > 0 && *s == '-')
            s++;
        if (!xdigits(s, groups[g]))
            return false;
        if (g == 2 && version && s[0] != version)
            return false;
        if (g == 3 && (version == '4' || version == '5') && !strchr("89abAB", s[0]))
            return false;
        s += groups[g];
    }
    return *s == '\0';
}

/* net.ParseMAC: 6, 8 or 20 bytes as xx:xx / xx-xx, or xxxx.xxxx */
static bool mac(const char *s)
{
    size_t n = strlen(s), bytes;

    if (n < 14)
        return false;
    if (s[2] == ':' || s[2] == '-') {
        if ((n + 1) % 3 != 0)
            return false;
        bytes = (n + 1) / 3;
        for (size_t i = 0; i < n; i += 3)
            if (!xdigits(s + i, 2) || (i + 2 < n && s[i + 2] != s[2]))
                return false;
    } else if (s[4] == '.') {
        if ((n + 1) % 5 != 0)
            return false;
        bytes = 2 * (n + 1) / 5;
        for (size_t i = 0; i < n; i += 5)
            if (!xdigits(s + i, 4) || (i + 4 < n && s[i + 4] != '.'))
                return false;
    } else {
        return false;
    }
    return bytes == 6 || bytes == 8 || bytes == 20;
}

/* govalidator.IsIPv4/IsIPv6 use net.ParseIP plus a '.' or ':' test, so an
 * IPv4-mapped IPv6 address passes both. */
static bool ip(const char *s, int family)
{
    unsigned char a[16];

    if (family == AF_INET)
        return inet_pton(AF_INET, s, a) == 1 ||
               (strchr(s, '.') != NULL && inet_pton(AF_INET6, s, a) == 1);
    return strchr(s, ':') != NULL && inet_pton(AF_INET6, s, a) == 1;
}

static bool cidr(const char *s)
{
    const char *slash = strchr(s, '/');
    unsigned char a[16];
    char addr[64];
    size_t alen;
    int bits;

    if (slash == NULL || (alen = (size_t)(slash - s)) >= sizeof(addr))
        return false;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    if (inet_pton(AF_INET, addr, a) == 1)
        bits = 32;
    else if (inet_pton(AF_INET6, addr, a) == 1)
        bits = 128;
    else
        return false;
    slash++;
    if (*slash == '\0' || strlen(slash) > 3 || !digits(slash, strlen(slash)))
        return false;
    return atoi(slash) <= bits;
}

static bool hexcolor(const char *s)
{
    size_t n;

    if (*s == '#')
        s++;
    n = strlen(s);
    return (n == 3 || n == 6) && xdigits(s, n);
}

bool tas_strfmt_valid(const char *format, const char *s)
{
    if (format_is(format, "duration"))
        return go_parse_duration(s) || scala_duration(s);
    if (format_is(format, "datetime"))
        return datetime(s);
    if (format_is(format, "date"))
        return go_date(s, strlen(s));
    if (format_is(format, "byte"))
        return base64(s);
    if (format_is(format, "uuid"))
        return uuid(s, 0);
    if (format_is(format, "uuid3"))
        return uuid(s, '3');
    if (format_is(format, "uuid4"))
        return uuid(s, '4');
    if (format_is(format, "uuid5"))
        return uuid(s, '5');
    if (format_is(format, "ipv4"))
        return ip(s, AF_INET);
    if (format_is(format, "ipv6"))
        return ip(s, AF_INET6);
    if (format_is(format, "cidr"))
        return cidr(s);
    if (format_is(format, "mac"))
        return mac(s);
    if (format_is(format, "hexcolor"))
        return hexcolor(s);
    return true;
}
