/* mgo-clean's configuration: a documented subset of must-gather-clean's
 * format (docs/obfuscation.md, "The cleaner"), read with the project's
 * bounded YAML trees (mgo/yamldoc.h). Anything outside the subset is refused
 * with a message naming the key or value, never ignored: a setting silently
 * dropped would upload what its author meant to hide. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "mgo/fileio.h"
#include "mgo/yamldoc.h"

static const char *const kind_names[MGO_CLEAN_NKINDS] = {
	[MGO_CLEAN_IPV4] = "ipv4",     [MGO_CLEAN_IPV6] = "ipv6",
	[MGO_CLEAN_MAC] = "mac",       [MGO_CLEAN_DOMAIN] = "domain",
	[MGO_CLEAN_KEYWORD] = "keyword",
};

const char *mgo_clean_kind_name(enum mgo_clean_kind k)
{
	return (unsigned)k < MGO_CLEAN_NKINDS ? kind_names[k] : "invalid";
}

static void free_words(struct mgo_clean_word *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(w[i].from);
		free(w[i].to);
	}
	free(w);
}

void mgo_clean_config_free(struct mgo_clean_config *c)
{
	free_words(c->domains, c->ndomains);
	free_words(c->keywords, c->nkeywords);
	for (size_t i = 0; i < c->nomits; i++) {
		free(c->omits[i].pattern);
		free(c->omits[i].kind);
		free(c->omits[i].api_version);
	}
	free(c->omits);
	memset(c, 0, sizeof(*c));
}

static int add_kind_omit(struct mgo_clean_config *c, const char *kind)
{
	struct mgo_clean_omit *o = &c->omits[c->nomits];

	if (!(o->kind = strdup(kind)))
		return -ENOMEM;
	c->nomits++;
	return 0;
}

int mgo_clean_config_default(struct mgo_clean_config *c)
{
	static const enum mgo_clean_kind on[] = {MGO_CLEAN_IPV4, MGO_CLEAN_IPV6, MGO_CLEAN_MAC};
	int rc;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++)
		c->type[on[i]] = (struct mgo_clean_type){true, false,
							 MGO_CLEAN_IN_PATH | MGO_CLEAN_IN_CONTENTS};
	if (!(c->omits = calloc(2, sizeof(*c->omits))))
		return -ENOMEM;
	if ((rc = add_kind_omit(c, "Secret")) || (rc = add_kind_omit(c, "ConfigMap")))
		mgo_clean_config_free(c);
	return rc;
}

/* A value quoted in a message: short, and printable so that it cannot
 * forge a log line or a termination message. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; s[i] && i + 1 < len; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* One of words (NULL-ended) or -EINVAL naming the value. */
static int pick(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *map, const char *path,
		const char *key, const char *const *words, const char *dflt, int *out)
{
	const struct mgo_yaml_node *v = mgo_yaml_get(map, key);
	int rc = mgo_yaml_want(cx, v, path, key, MGO_YAML_SCALAR);
	char buf[65];

	if (rc)
		return rc;
	if (mgo_yaml_is_null(v)) {
		if (!dflt)
			return mgo_yaml_fail(cx, map, path, key, -EINVAL, "required");
		for (int i = 0; words[i]; i++)
			if (!strcmp(words[i], dflt))
				*out = i;
		return 0;
	}
	for (int i = 0; words[i]; i++) {
		if (!strcmp(words[i], v->str)) {
			*out = i;
			return 0;
		}
	}
	return mgo_yaml_fail(cx, v, path, key, -EINVAL, "unsupported value \"%s\"",
			     shown(v->str, buf, sizeof(buf)));
}

/* A domain name: letters, digits, '-' and '.', no empty label. */
static bool domain_ok(const char *s)
{
	size_t label = 0;

	for (; *s; s++) {
		if (*s == '.') {
			if (!label)
				return false;
			label = 0;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			   (*s >= '0' && *s <= '9') || *s == '-') {
			label++;
		} else {
			return false;
		}
	}
	return label > 0;
}

/* A replacement also names files: no '/', no control byte. */
static bool replacement_ok(const char *s)
{
	for (; *s; s++)
		if (*s == '/' || (unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

static int parse_domains(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *v,
			 const char *path, struct mgo_clean_config *c)
{
	const struct mgo_yaml_node *dup;
	int rc = mgo_yaml_want(cx, v, path, "domainNames", MGO_YAML_SEQ);
	char buf[65];

	if (rc)
		return rc;
	if (mgo_yaml_is_null(v) || !v->nkids)
		return mgo_yaml_fail(cx, v, path, "domainNames", -EINVAL,
				     "required for type Domain: the domain names to replace");
	if (c->ndomains + v->nkids > MGO_CLEAN_MAX_WORDS)
		return mgo_yaml_fail(cx, v, path, "domainNames", -EINVAL, "more than %d names",
				     MGO_CLEAN_MAX_WORDS);
	for (size_t i = 0; i < v->nkids; i++) {
		const struct mgo_yaml_node *d = v->kids[i];

		if (d->type != MGO_YAML_SCALAR || d->len > MGO_CLEAN_MAX_WORD || !domain_ok(d->str))
			return mgo_yaml_fail(cx, d, path, "domainNames", -EINVAL,
					     "item %zu is not a domain name (letters, digits, '-' "
					     "and '.', at most %d bytes)", i, MGO_CLEAN_MAX_WORD);
	}
	if ((rc = mgo_yaml_first_dup((const struct mgo_yaml_node *const *)v->kids, v->nkids, &dup)))
		return rc;
	if (dup)
		return mgo_yaml_fail(cx, dup, path, "domainNames", -EINVAL, "\"%s\" listed twice",
				     shown(dup->str, buf, sizeof(buf)));
	c->domains = calloc(v->nkids, sizeof(*c->domains));
	if (!c->domains)
		return -ENOMEM;
	for (size_t i = 0; i < v->nkids; i++) {
		const struct mgo_yaml_node *d = v->kids[i];
		struct mgo_clean_word *w = &c->domains[i];

		if (!(w->from = strdup(d->str)))
			return -ENOMEM;
		for (char *p = w->from; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		w->len = d->len;
		c->ndomains++;
	}
	return 0;
}

static int parse_keywords(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *v,
			  const char *path, struct mgo_clean_config *c)
{
	int rc = mgo_yaml_want(cx, v, path, "replacement", MGO_YAML_MAP);

	if (rc)
		return rc;
	if (mgo_yaml_is_null(v) || !v->nkids)
		return mgo_yaml_fail(cx, v, path, "replacement", -EINVAL,
				     "required for type Keywords: a map of keyword to replacement");
	if (v->nkids / 2 > MGO_CLEAN_MAX_WORDS)
		return mgo_yaml_fail(cx, v, path, "replacement", -EINVAL, "more than %d keywords",
				     MGO_CLEAN_MAX_WORDS);
	c->keywords = calloc(v->nkids / 2, sizeof(*c->keywords));
	if (!c->keywords)
		return -ENOMEM;
	for (size_t i = 0; i + 1 < v->nkids; i += 2) {
		const struct mgo_yaml_node *k = v->kids[i], *r = v->kids[i + 1];
		struct mgo_clean_word *w = &c->keywords[c->nkeywords];

		if (!k->len || k->len > MGO_CLEAN_MAX_WORD)
			return mgo_yaml_fail(cx, k, path, "replacement", -EINVAL,
					     "a keyword must have 1 to %d bytes", MGO_CLEAN_MAX_WORD);
		if (r->type != MGO_YAML_SCALAR || r->len > MGO_CLEAN_MAX_WORD ||
		    !replacement_ok(r->str))
			return mgo_yaml_fail(cx, r, path, "replacement", -EINVAL,
					     "item %zu: the replacement must be a string of at most "
					     "%d bytes without '/' or control characters", i / 2,
					     MGO_CLEAN_MAX_WORD);
		if (!(w->from = strdup(k->str)) || !(w->to = strdup(r->str)))
			return -ENOMEM;
		w->len = k->len;
		w->tolen = r->len;
		c->nkeywords++;
	}
	return 0;
}

static const char *const obf_keys[] = {"type", "replacementType", "target", "domainNames",
				       "replacement", NULL};
static const char *const obf_types[] = {"IP", "MAC", "Domain", "Keywords", NULL};
static const char *const repl_types[] = {"Consistent", "Static", NULL};
static const char *const targets[] = {"FilePath", "FileContents", "All", NULL};

static int parse_obfuscate(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *item,
			   const char *path, struct mgo_clean_config *c)
{
	static const unsigned target_bits[] = {MGO_CLEAN_IN_PATH, MGO_CLEAN_IN_CONTENTS,
					       MGO_CLEAN_IN_PATH | MGO_CLEAN_IN_CONTENTS};
	int type = 0, repl = 0, target = 2, rc;
	struct mgo_clean_type t;

	if (item->type != MGO_YAML_MAP)
		return mgo_yaml_fail(cx, item, path, NULL, -EINVAL, "must be a mapping");
	if ((rc = mgo_yaml_check_keys(cx, item, path, obf_keys)) ||
	    (rc = pick(cx, item, path, "type", obf_types, NULL, &type)) ||
	    (rc = pick(cx, item, path, "replacementType", repl_types, "Consistent", &repl)) ||
	    (rc = pick(cx, item, path, "target", targets, "All", &target)))
		return rc;
	if (type != 2 && mgo_yaml_get(item, "domainNames"))
		return mgo_yaml_fail(cx, item, path, "domainNames", -EINVAL,
				     "only for type Domain");
	if (type != 3 && mgo_yaml_get(item, "replacement"))
		return mgo_yaml_fail(cx, item, path, "replacement", -EINVAL,
				     "only for type Keywords");
	t = (struct mgo_clean_type){true, repl == 1, target_bits[target]};
	switch (type) {
	case 0:
		if (c->type[MGO_CLEAN_IPV4].on)
			return mgo_yaml_fail(cx, item, path, "type", -EINVAL, "IP listed twice");
		c->type[MGO_CLEAN_IPV4] = c->type[MGO_CLEAN_IPV6] = t;
		return 0;
	case 1:
		if (c->type[MGO_CLEAN_MAC].on)
			return mgo_yaml_fail(cx, item, path, "type", -EINVAL, "MAC listed twice");
		c->type[MGO_CLEAN_MAC] = t;
		return 0;
	case 2:
		if (c->type[MGO_CLEAN_DOMAIN].on)
			return mgo_yaml_fail(cx, item, path, "type", -EINVAL, "Domain listed twice");
		c->type[MGO_CLEAN_DOMAIN] = t;
		return parse_domains(cx, mgo_yaml_get(item, "domainNames"), path, c);
	default:
		if (c->type[MGO_CLEAN_KEYWORD].on)
			return mgo_yaml_fail(cx, item, path, "type", -EINVAL, "Keywords listed twice");
		if (repl == 0 && mgo_yaml_get(item, "replacementType"))
			return mgo_yaml_fail(cx, item, path, "replacementType", -EINVAL,
					     "Keywords are replaced by their `replacement`: "
					     "only Static applies");
		c->type[MGO_CLEAN_KEYWORD] = t;
		return parse_keywords(cx, mgo_yaml_get(item, "replacement"), path, c);
	}
}

static const char *const omit_keys[] = {"type", "kubernetesResource", "pattern", NULL};
static const char *const omit_types[] = {"Kubernetes", "File", NULL};
static const char *const res_keys[] = {"kind", "apiVersion", "namespaces", NULL};

static int parse_omit(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *item,
		      const char *path, struct mgo_clean_config *c)
{
	struct mgo_clean_omit *o = &c->omits[c->nomits];
	const struct mgo_yaml_node *res;
	char rpath[96];
	int type = 0, rc;

	if (item->type != MGO_YAML_MAP)
		return mgo_yaml_fail(cx, item, path, NULL, -EINVAL, "must be a mapping");
	if ((rc = mgo_yaml_check_keys(cx, item, path, omit_keys)) ||
	    (rc = pick(cx, item, path, "type", omit_types, NULL, &type)))
		return rc;
	c->nomits++; /* o is freed with the configuration from here on */
	res = mgo_yaml_get(item, "kubernetesResource");
	if (type == 1) {
		o->file = true;
		if (res)
			return mgo_yaml_fail(cx, item, path, "kubernetesResource", -EINVAL,
					     "only for type Kubernetes");
		if ((rc = mgo_yaml_str(cx, item, path, "pattern", MGO_CLEAN_MAX_PATTERN,
				       &o->pattern)))
			return rc;
		if (!o->pattern)
			return mgo_yaml_fail(cx, item, path, "pattern", -EINVAL,
					     "required for type File");
		return 0;
	}
	if (mgo_yaml_get(item, "pattern"))
		return mgo_yaml_fail(cx, item, path, "pattern", -EINVAL, "only for type File");
	if ((rc = mgo_yaml_want(cx, res, path, "kubernetesResource", MGO_YAML_MAP)))
		return rc;
	if (mgo_yaml_is_null(res))
		return mgo_yaml_fail(cx, item, path, "kubernetesResource", -EINVAL,
				     "required for type Kubernetes");
	snprintf(rpath, sizeof(rpath), "%s.kubernetesResource", path);
	if ((rc = mgo_yaml_check_keys(cx, res, rpath, res_keys)))
		return rc;
	if (mgo_yaml_get(res, "namespaces"))
		return mgo_yaml_fail(cx, res, rpath, "namespaces", -EINVAL,
				     "not supported by mgo-clean: a kind is omitted in every "
				     "namespace");
	if ((rc = mgo_yaml_str(cx, res, rpath, "kind", MGO_CLEAN_MAX_KIND, &o->kind)) ||
	    (rc = mgo_yaml_str(cx, res, rpath, "apiVersion", MGO_CLEAN_MAX_KIND,
			       &o->api_version)))
		return rc;
	if (!o->kind)
		return mgo_yaml_fail(cx, res, rpath, "kind", -EINVAL, "required");
	return 0;
}

static const char *const root_keys[] = {"config", NULL};
static const char *const config_keys[] = {"obfuscate", "omit", NULL};

static int parse_tree(const struct mgo_yaml_ctx *cx, const struct mgo_yaml_node *root,
		      struct mgo_clean_config *c)
{
	const struct mgo_yaml_node *conf, *obf, *omit;
	char path[64];
	int rc;

	if (!root || root->type != MGO_YAML_MAP)
		return mgo_yaml_fail(cx, root, NULL, NULL, -EINVAL, "must be a mapping with `config`");
	if ((rc = mgo_yaml_check_keys(cx, root, NULL, root_keys)))
		return rc;
	conf = mgo_yaml_get(root, "config");
	if ((rc = mgo_yaml_want(cx, conf, NULL, "config", MGO_YAML_MAP)))
		return rc;
	if (mgo_yaml_is_null(conf))
		return mgo_yaml_fail(cx, root, NULL, "config", -EINVAL, "required");
	if ((rc = mgo_yaml_check_keys(cx, conf, "config", config_keys)))
		return rc;
	obf = mgo_yaml_get(conf, "obfuscate");
	omit = mgo_yaml_get(conf, "omit");
	if ((rc = mgo_yaml_want(cx, obf, "config", "obfuscate", MGO_YAML_SEQ)) ||
	    (rc = mgo_yaml_want(cx, omit, "config", "omit", MGO_YAML_SEQ)))
		return rc;
	if (obf && obf->type == MGO_YAML_SEQ && obf->nkids > 4)
		return mgo_yaml_fail(cx, obf, "config", "obfuscate", -EINVAL,
				     "more than 4 items (one per type)");
	for (size_t i = 0; obf && obf->type == MGO_YAML_SEQ && i < obf->nkids; i++) {
		snprintf(path, sizeof(path), "config.obfuscate[%zu]", i);
		if ((rc = parse_obfuscate(cx, obf->kids[i], path, c)))
			return rc;
	}
	if (!omit || omit->type != MGO_YAML_SEQ)
		return 0;
	if (omit->nkids > MGO_CLEAN_MAX_WORDS)
		return mgo_yaml_fail(cx, omit, "config", "omit", -EINVAL, "more than %d items",
				     MGO_CLEAN_MAX_WORDS);
	if (!(c->omits = calloc(omit->nkids, sizeof(*c->omits))))
		return -ENOMEM;
	for (size_t i = 0; i < omit->nkids; i++) {
		snprintf(path, sizeof(path), "config.omit[%zu]", i);
		if ((rc = parse_omit(cx, omit->kids[i], path, c)))
			return rc;
	}
	return 0;
}

int mgo_clean_config_parse(const char *buf, size_t len, const char *what,
			   struct mgo_clean_config *c, char *err, size_t errlen)
{
	struct mgo_yaml_ctx cx = {what, err, errlen};
	struct mgo_yaml_node *root = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = mgo_yaml_parse(&cx, buf, len, &root)))
		return rc;
	rc = parse_tree(&cx, root, c);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", what);
	if (rc)
		mgo_clean_config_free(c);
	mgo_yaml_free(root);
	return rc;
}

int mgo_clean_config_load(const char *path, struct mgo_clean_config *c, char *err,
			  size_t errlen)
{
	char what[4200], reason[128] = "";
	char *buf = NULL;
	size_t len = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	snprintf(what, sizeof(what), "config %s", path);
	rc = mgo_file_read(path, MGO_YAML_MAX_BYTES, &buf, &len, reason, sizeof(reason));
	if (rc) {
		snprintf(err, errlen, "%s: %s", what, reason);
		return rc;
	}
	rc = mgo_clean_config_parse(buf, len, what, c, err, errlen);
	free(buf);
	return rc;
}
