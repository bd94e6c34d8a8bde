/* Test JSON written with ' for " so tables of documents stay readable. */
#ifndef TAS_TEST_JSON_H
#define TAS_TEST_JSON_H

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* A new reference to the value text denotes once every ' is read as ". */
static inline json_t *J(const char *text)
{
    char *s = strdup(text);
    json_error_t err;
    json_t *v;

    cr_assert_not_null(s);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    v = json_loads(s, JSON_DECODE_ANY, &err);
    cr_assert_not_null(v, "bad test JSON (%s at %d): %s", err.text, err.position, s);
    free(s);
    return v;
}

#endif
