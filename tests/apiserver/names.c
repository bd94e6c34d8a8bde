/* The grammars are small character-class regexps; they are checked by hand
 * so the messages can name kube's regexps verbatim. */
#include "names.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_MSG                                                                             \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " \
    "alphanumeric character"
#define LABEL_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define SUBDOMAIN_FMT LABEL_FMT "(\\." LABEL_FMT ")*"

static void add(struct tas_buf *msg, const char *prefix, const char *text)
{
    if (msg == NULL)
        return;
    if (msg->len > 0)
        tas_buf_puts(msg, "; ");
    tas_buf_printf(msg, "%s%s", prefix, text);
}

/* MaxLenError; true when value fits */
static bool within(size_t n, size_t max, const char *prefix, struct tas_buf *msg)
{
    char text[64];

    if (n <= max)
        return true;
    snprintf(text, sizeof(text), "must be no more than %zu characters", max);
    add(msg, prefix, text);
    return false;
}

static bool alnum(char c)
{
    return isalnum((unsigned char)c) && (unsigned char)c < 0x80;
}

static bool lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] on s[0..n) */
static bool qname_part(const char *s, size_t n)
{
    if (n == 0 || !alnum(s[0]) || !alnum(s[n - 1]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? on s[0..n) */
static bool dns_label(const char *s, size_t n)
{
    if (n == 0 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!lower_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

static bool dns_subdomain(const char *s, size_t n)
{
    size_t start = 0;

    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (!dns_label(s + start, i - start))
                return false;
            start = i + 1;
        }
    }
    return true;
}

bool tas_name_dns1123_subdomain(const char *value, struct tas_buf *msg)
{
    size_t n = strlen(value);
    bool ok = within(n, 253, "", msg);

    if (!dns_subdomain(value, n)) {
        add(msg, "",
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
            "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
            "regex used for validation is '" SUBDOMAIN_FMT "')");
        ok = false;
    }
    return ok;
}

bool tas_name_dns1123_label(const char *value, struct tas_buf *msg)
{
    size_t n = strlen(value);
    bool ok = within(n, 63, "", msg);

    if (!dns_label(value, n)) {
        if (dns_subdomain(value, n))
            add(msg, "", "must not contain dots");
        else
            add(msg, "",
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
                "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                "'123-abc', regex used for validation is '" LABEL_FMT "')");
        ok = false;
    }
    return ok;
}

bool tas_name_qualified(const char *value, struct tas_buf *msg)
{
    const char *slash = strchr(value, '/'), *name = value;
    size_t n;
    bool ok = true;

    if (slash != NULL && strchr(slash + 1, '/') != NULL) {
        add(msg, "",
            "a qualified name " QNAME_MSG " (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
            "used for validation is '" QNAME_FMT "') with an optional DNS subdomain prefix and "
            "'/' (e.g. 'example.com/MyName')");
        return false;
    }
    if (slash != NULL) {
        size_t plen = (size_t)(slash - value);
        name = slash + 1;
        if (plen == 0) {
            add(msg, "prefix part ", "must be non-empty");
            ok = false;
        } else {
            ok = within(plen, 253, "prefix part ", msg);
            if (!dns_subdomain(value, plen)) {
                add(msg, "prefix part ",
                    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                    "characters, '-' or '.', and must start and end with an alphanumeric character "
                    "(e.g. 'example.com', regex used for validation is '" SUBDOMAIN_FMT "')");
                ok = false;
            }
        }
    }
    n = strlen(name);
    if (n == 0) {
        add(msg, "name part ", "must be non-empty");
        ok = false;
    } else if (!within(n, 63, "name part ", msg)) {
        ok = false;
    }
    if (!qname_part(name, n)) {
        add(msg, "name part ",
            QNAME_MSG " (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '"
            QNAME_FMT "')");
        ok = false;
    }
    return ok;
}

bool tas_name_label_value(const char *value, struct tas_buf *msg)
{
    size_t n = strlen(value);
    bool ok = within(n, 63, "", msg);

    if (n > 0 && !qname_part(value, n)) {
        add(msg, "",
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
            "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
            "'my_value',  or '12345', regex used for validation is '(" QNAME_FMT ")?')");
        ok = false;
    }
    return ok;
}
