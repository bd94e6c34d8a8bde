/* A small subset of CEL, the expression language of ValidatingAdmissionPolicy,
 * enough for policies that look at an object's fields, its namespace and the
 * request (tests/apiserver/README.md lists it). Hand-written: Debian ships no
 * CEL library for C, and cel-go is what kube-apiserver runs.
 *
 * What is accepted:
 *   variables     object, oldObject, request, namespaceObject (JSON; null when
 *                 absent, as oldObject is on CREATE and object on DELETE), and
 *                 params when compiled with TAS_CEL_PARAMS (the policy has a
 *                 paramKind)
 *   literals      'string' "string" (escapes \\ \' \" \n \r \t), integers,
 *                 true, false, null, [list, of, literals or expressions]
 *   operators     a.b  a['b']  a[0]  has(a.b)  !  &&  ||  ==  !=  in  +  ( )
 *   methods       s.startsWith(t) s.endsWith(t) s.contains(t) s.matches('re')
 *   macros        l.all(x, p) l.exists(x, p) over a list's elements or a map's
 *                 keys, nested at most TAS_CEL_MAX_LOCALS deep; x is visible
 *                 in p only and shadows a variable of the same name
 * Everything else (ternaries, comparisons, arithmetic but +, the macros
 * exists_one/map/filter, size(), variables, authorizer...) is refused when an
 * expression is compiled, naming the construct, so a stored policy can
 * always be evaluated.
 *
 * matches() takes a string literal compiled once with regcomp (POSIX ERE).
 * RE2, which CEL uses, differs from ERE in escapes (\d \w \s \b \pL), flags
 * and groups ((?i) (?:...)), lazy quantifiers and leftmost-first choice
 * between alternatives: patterns using any of the first three are refused;
 * the last cannot change whether a match exists, which is all matches()
 * answers. Both search anywhere in the string unless anchored.
 *
 * Bounded: an expression of at most TAS_CEL_MAX_LEN bytes, TAS_CEL_MAX_NODES
 * syntax nodes and TAS_CEL_MAX_DEPTH nested parentheses/brackets/calls; an
 * evaluation of at most TAS_CEL_MAX_STEPS steps (one per node evaluated, one
 * per list element compared and one per element a macro visits, so nested
 * macros cost the product of their ranges) whose strings stay under
 * TAS_CEL_MAX_STRING bytes. */
#ifndef TAS_CEL_H
#define TAS_CEL_H

#include <jansson.h>
#include <stddef.h>

#define TAS_CEL_MAX_LEN 4096
#define TAS_CEL_MAX_NODES 512
#define TAS_CEL_MAX_DEPTH 32
#define TAS_CEL_MAX_STEPS 10000
#define TAS_CEL_MAX_STRING (1024 * 1024)
#define TAS_CEL_MAX_LOCALS 4

/* tas_cel_compile_env flags */
#define TAS_CEL_PARAMS 1u /* declare `params` */

struct tas_cel;

/* The values an expression sees, all borrowed; NULL reads as null. */
struct tas_cel_vars {
	const json_t *object, *old_object, *request, *namespace_object, *params;
};

/* Compiles src (NUL-terminated). 0 with *out to free with tas_cel_free;
 * -EINVAL with err as cel-go words compile errors ("ERROR: <input>:1:7:
 * ..."), naming the unsupported construct; -ENOMEM. */
int tas_cel_compile(const char *src, struct tas_cel **out, char *err, size_t errlen);
/* The same with the variables flags declares (TAS_CEL_PARAMS). */
int tas_cel_compile_env(const char *src, unsigned flags, struct tas_cel **out, char *err,
			size_t errlen);

/* Evaluates c against vars. 0 with *out a new reference to the result;
 * -EINVAL with err holding the evaluation error ("no such key: spec",
 * "no such overload", "operation cancelled: actual cost limit exceeded");
 * -ENOMEM. */
int tas_cel_eval(const struct tas_cel *c, const struct tas_cel_vars *vars, json_t **out,
		 char *err, size_t errlen);

void tas_cel_free(struct tas_cel *c);

#endif
