/* CRD "pattern" values are Go (RE2) regular expressions, mostly written in
 * the subset ECMA shares with it. The test API server matches them with POSIX
 * regcomp(REG_EXTENDED) after translating what POSIX spells differently. */
#ifndef TAS_PATTERN_H
#define TAS_PATTERN_H

#include <regex.h>
#include <stddef.h>

/* Translates and compiles pattern into *re (free with regfree on success).
 * Translated: \d \D \w \W \s \S (also inside brackets where positive), \n \t
 * \r \f \v \xHH, \A \z, escaped punctuation, (?:...) and named groups, lazy
 * quantifiers (same match/no-match answer), a leading (?i), Go's "." not
 * matching newline, and brackets rebuilt from the set of bytes they denote.
 * Matching is bytewise: "." and {n,m} count bytes where Go counts runes.
 * Returns 0, or -EINVAL with the reason in err (unsupported syntax such as
 * \p{..}, non-ASCII inside brackets, or a regcomp error). */
int tas_pattern_compile(regex_t *re, const char *pattern, char *err, size_t errlen);

#endif
