#include "tas_protobuf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tas_util.h"

#define MAX_DEPTH 32

enum pk {
	PK_STRING,
	PK_BYTES,      /* JSON: base64 */
	PK_INT,
	PK_BOOL,
	PK_MSG,
	PK_MAP_STRING, /* map<string,string> */
	PK_MAP_BYTES,  /* map<string,bytes> */
	PK_REP_STRING,
	PK_REP_MSG,
};

struct pmsg;

struct pfield {
	unsigned num;
	const char *json;
	enum pk kind;
	const struct pmsg *msg;
};

struct pmsg {
	const struct pfield *fields;
};

#define END {0, NULL, PK_STRING, NULL}

static const struct pfield owner_ref_f[] = {
	{1, "kind", PK_STRING, NULL},	 {3, "name", PK_STRING, NULL},
	{4, "uid", PK_STRING, NULL},	 {5, "apiVersion", PK_STRING, NULL},
	{6, "controller", PK_BOOL, NULL}, {7, "blockOwnerDeletion", PK_BOOL, NULL},
	END,
};
static const struct pmsg owner_ref = {owner_ref_f};

static const struct pfield object_meta_f[] = {
	{1, "name", PK_STRING, NULL},
	{2, "generateName", PK_STRING, NULL},
	{3, "namespace", PK_STRING, NULL},
	{5, "uid", PK_STRING, NULL},
	{6, "resourceVersion", PK_STRING, NULL},
	{7, "generation", PK_INT, NULL},
	{11, "labels", PK_MAP_STRING, NULL},
	{12, "annotations", PK_MAP_STRING, NULL},
	{13, "ownerReferences", PK_REP_MSG, &owner_ref},
	{14, "finalizers", PK_REP_STRING, NULL},
	END,
};
static const struct pmsg object_meta = {object_meta_f};

static const struct pfield configmap_f[] = {
	{1, "metadata", PK_MSG, &object_meta}, {2, "data", PK_MAP_STRING, NULL},
	{3, "binaryData", PK_MAP_BYTES, NULL}, {4, "immutable", PK_BOOL, NULL},
	END,
};
static const struct pfield secret_f[] = {
	{1, "metadata", PK_MSG, &object_meta}, {2, "data", PK_MAP_BYTES, NULL},
	{3, "type", PK_STRING, NULL},	       {4, "stringData", PK_MAP_STRING, NULL},
	{5, "immutable", PK_BOOL, NULL},       END,
};
static const struct pfield ns_spec_f[] = {{1, "finalizers", PK_REP_STRING, NULL}, END};
static const struct pmsg ns_spec = {ns_spec_f};
static const struct pfield namespace_f[] = {
	{1, "metadata", PK_MSG, &object_meta}, {2, "spec", PK_MSG, &ns_spec}, END,
};
static const struct pfield sa_f[] = {
	{1, "metadata", PK_MSG, &object_meta},
	{4, "automountServiceAccountToken", PK_BOOL, NULL},
	END,
};

static const struct pfield policy_rule_f[] = {
	{1, "verbs", PK_REP_STRING, NULL},	   {2, "apiGroups", PK_REP_STRING, NULL},
	{3, "resources", PK_REP_STRING, NULL},	   {4, "resourceNames", PK_REP_STRING, NULL},
	{5, "nonResourceURLs", PK_REP_STRING, NULL}, END,
};
static const struct pmsg policy_rule = {policy_rule_f};
static const struct pfield role_f[] = {
	{1, "metadata", PK_MSG, &object_meta}, {2, "rules", PK_REP_MSG, &policy_rule}, END,
};
static const struct pfield subject_f[] = {
	{1, "kind", PK_STRING, NULL}, {2, "apiGroup", PK_STRING, NULL},
	{3, "name", PK_STRING, NULL}, {4, "namespace", PK_STRING, NULL},
	END,
};
static const struct pmsg subject = {subject_f};
static const struct pfield role_ref_f[] = {
	{1, "apiGroup", PK_STRING, NULL}, {2, "kind", PK_STRING, NULL},
	{3, "name", PK_STRING, NULL},	  END,
};
static const struct pmsg role_ref = {role_ref_f};
static const struct pfield binding_f[] = {
	{1, "metadata", PK_MSG, &object_meta},
	{2, "subjects", PK_REP_MSG, &subject},
	{3, "roleRef", PK_MSG, &role_ref},
	END,
};

static const struct pfield res_attr_f[] = {
	{1, "namespace", PK_STRING, NULL}, {2, "verb", PK_STRING, NULL},
	{3, "group", PK_STRING, NULL},	   {4, "version", PK_STRING, NULL},
	{5, "resource", PK_STRING, NULL},  {6, "subresource", PK_STRING, NULL},
	{7, "name", PK_STRING, NULL},	   END,
};
static const struct pmsg res_attr = {res_attr_f};
static const struct pfield nonres_attr_f[] = {
	{1, "path", PK_STRING, NULL}, {2, "verb", PK_STRING, NULL}, END,
};
static const struct pmsg nonres_attr = {nonres_attr_f};
static const struct pfield sar_spec_f[] = {
	{1, "resourceAttributes", PK_MSG, &res_attr},
	{2, "nonResourceAttributes", PK_MSG, &nonres_attr},
	{3, "user", PK_STRING, NULL},
	{4, "groups", PK_REP_STRING, NULL},
	{6, "uid", PK_STRING, NULL},
	END,
};
static const struct pmsg sar_spec = {sar_spec_f};
static const struct pfield review_f[] = {
	{1, "metadata", PK_MSG, &object_meta}, {2, "spec", PK_MSG, &sar_spec}, END,
};
static const struct pfield self_review_f[] = {{1, "metadata", PK_MSG, &object_meta}, END};
/* k8s.io/api/authentication/v1: what `kubectl create token` sends */
static const struct pfield bound_ref_f[] = {
	{1, "kind", PK_STRING, NULL}, {2, "apiVersion", PK_STRING, NULL},
	{3, "name", PK_STRING, NULL}, {4, "uid", PK_STRING, NULL}, END,
};
static const struct pmsg bound_ref = {bound_ref_f};
static const struct pfield token_spec_f[] = {
	{1, "audiences", PK_REP_STRING, NULL},
	{3, "boundObjectRef", PK_MSG, &bound_ref},
	{4, "expirationSeconds", PK_INT, NULL},
	END,
};
static const struct pmsg token_spec = {token_spec_f};
static const struct pfield token_request_f[] = {
	{1, "metadata", PK_MSG, &object_meta}, {2, "spec", PK_MSG, &token_spec}, END,
};

static const struct {
	const char *api_version, *kind;
	struct pmsg msg;
} kinds[] = {
	{"v1", "ConfigMap", {configmap_f}},
	{"v1", "Secret", {secret_f}},
	{"v1", "Namespace", {namespace_f}},
	{"v1", "ServiceAccount", {sa_f}},
	{"rbac.authorization.k8s.io/v1", "Role", {role_f}},
	{"rbac.authorization.k8s.io/v1", "ClusterRole", {role_f}},
	{"rbac.authorization.k8s.io/v1", "RoleBinding", {binding_f}},
	{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", {binding_f}},
	{"authorization.k8s.io/v1", "SelfSubjectAccessReview", {review_f}},
	{"authorization.k8s.io/v1", "SubjectAccessReview", {review_f}},
	{"authentication.k8s.io/v1", "SelfSubjectReview", {self_review_f}},
	{"authentication.k8s.io/v1", "TokenRequest", {token_request_f}},
};

struct rd {
	const unsigned char *p, *end;
};

static bool varint(struct rd *r, uint64_t *v)
{
	unsigned shift = 0;

	*v = 0;
	while (r->p < r->end && shift < 64) {
		unsigned char b = *r->p++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
		shift += 7;
	}
	return false;
}

/* One field's key and, for length-delimited ones, its bytes. */
static bool next_field(struct rd *r, unsigned *num, unsigned *wt, struct rd *sub, uint64_t *v)
{
	uint64_t key;

	if (!varint(r, &key) || (key >> 3) == 0 || (key >> 3) > 0x1fffffff)
		return false;
	*num = (unsigned)(key >> 3);
	*wt = (unsigned)(key & 7);
	switch (*wt) {
	case 0:
		return varint(r, v);
	case 1:
		if (r->end - r->p < 8)
			return false;
		r->p += 8;
		return true;
	case 5:
		if (r->end - r->p < 4)
			return false;
		r->p += 4;
		return true;
	case 2:
		if (!varint(r, v) || *v > (uint64_t)(r->end - r->p))
			return false;
		sub->p = r->p;
		sub->end = r->p + *v;
		r->p += *v;
		return true;
	default:
		return false;
	}
}

static json_t *bytes_json(const struct rd *b, bool base64)
{
	size_t n = (size_t)(b->end - b->p);
	char *enc;
	json_t *out;

	if (!base64)
		return json_stringn((const char *)b->p, n);
	enc = tas_b64_encode(b->p, n, false);
	out = enc ? json_string(enc) : NULL;
	free(enc);
	return out;
}

static json_t *message(struct rd *r, const struct pmsg *m, int depth);

static int map_entry(struct rd *r, json_t *map, bool bytes)
{
	struct rd sub, key = {NULL, NULL}, val = {NULL, NULL};
	unsigned num, wt;
	uint64_t v;
	char *k;
	json_t *jv;
	int rc;

	while (r->p < r->end) {
		if (!next_field(r, &num, &wt, &sub, &v))
			return -1;
		if (wt == 2 && num == 1)
			key = sub;
		else if (wt == 2 && num == 2)
			val = sub;
	}
	k = key.p ? strndup((const char *)key.p, (size_t)(key.end - key.p)) : strdup("");
	if (!val.p)
		val.p = val.end = (const unsigned char *)"";
	jv = bytes_json(&val, bytes);
	rc = k && jv ? json_object_set_new(map, k, jv) : -1;
	if (!k || !jv)
		json_decref(jv);
	free(k);
	return rc;
}

static json_t *container(json_t *obj, const char *key, bool array)
{
	json_t *c = json_object_get(obj, key);

	if (c)
		return c;
	c = array ? json_array() : json_object();
	if (!c || json_object_set_new(obj, key, c))
		return NULL;
	return c;
}

static int field(json_t *obj, const struct pfield *f, unsigned wt, struct rd *sub, uint64_t v,
		 int depth)
{
	json_t *jv = NULL, *c;

	switch (f->kind) {
	case PK_INT:
		return wt == 0 ? json_object_set_new(obj, f->json, json_integer((json_int_t)v)) : -1;
	case PK_BOOL:
		return wt == 0 ? json_object_set_new(obj, f->json, json_boolean(v != 0)) : -1;
	default:
		break;
	}
	if (wt != 2)
		return -1;
	switch (f->kind) {
	case PK_STRING:
		return json_object_set_new(obj, f->json, bytes_json(sub, false));
	case PK_BYTES:
		return json_object_set_new(obj, f->json, bytes_json(sub, true));
	case PK_MSG:
		jv = message(sub, f->msg, depth + 1);
		return jv ? json_object_set_new(obj, f->json, jv) : -1;
	case PK_MAP_STRING:
	case PK_MAP_BYTES:
		c = container(obj, f->json, false);
		return c ? map_entry(sub, c, f->kind == PK_MAP_BYTES) : -1;
	case PK_REP_STRING:
		c = container(obj, f->json, true);
		return c ? json_array_append_new(c, bytes_json(sub, false)) : -1;
	case PK_REP_MSG:
		c = container(obj, f->json, true);
		jv = c ? message(sub, f->msg, depth + 1) : NULL;
		return jv ? json_array_append_new(c, jv) : -1;
	default:
		return -1;
	}
}

static json_t *message(struct rd *r, const struct pmsg *m, int depth)
{
	json_t *obj = json_object();

	if (!obj || depth > MAX_DEPTH) {
		json_decref(obj);
		return NULL;
	}
	while (r->p < r->end) {
		struct rd sub = {NULL, NULL};
		unsigned num, wt;
		uint64_t v = 0;
		const struct pfield *f;
		if (!next_field(r, &num, &wt, &sub, &v))
			goto bad;
		for (f = m->fields; f->json && f->num != num; f++)
			;
		if (f->json && field(obj, f, wt, &sub, v, depth))
			goto bad;
	}
	return obj;
bad:
	json_decref(obj);
	return NULL;
}

json_t *tas_protobuf_decode(const unsigned char *buf, size_t len, char *err, size_t errlen,
			    int *unsupported)
{
	struct rd r = {buf + 4, buf + len}, raw = {NULL, NULL}, tm = {NULL, NULL}, sub;
	char av[128] = "", kind[128] = "";
	unsigned num, wt;
	uint64_t v;
	json_t *obj;
	size_t i;

	*unsupported = 0;
	if (len < 4 || memcmp(buf, "k8s\0", 4)) {
		snprintf(err, errlen, "provided object is not a protobuf-encoded Kubernetes object");
		return NULL;
	}
	while (r.p < r.end) {
		if (!next_field(&r, &num, &wt, &sub, &v))
			goto bad;
		if (wt == 2 && num == 1)
			tm = sub;
		else if (wt == 2 && num == 2)
			raw = sub;
	}
	while (tm.p && tm.p < tm.end) {
		if (!next_field(&tm, &num, &wt, &sub, &v))
			goto bad;
		if (wt == 2 && (num == 1 || num == 2))
			snprintf(num == 1 ? av : kind, 128, "%.*s", (int)(sub.end - sub.p),
				 (const char *)sub.p);
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].api_version, av) && !strcmp(kinds[i].kind, kind))
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0])) {
		*unsupported = 1;
		snprintf(err, errlen, "%s in version \"%s\" cannot be handled as protobuf by this "
			 "server; send application/json", kind, av);
		return NULL;
	}
	if (!raw.p)
		raw.p = raw.end = buf;
	obj = message(&raw, &kinds[i].msg, 0);
	if (!obj)
		goto bad;
	if (json_object_set_new(obj, "apiVersion", json_string(av)) ||
	    json_object_set_new(obj, "kind", json_string(kind))) {
		json_decref(obj);
		goto bad;
	}
	return obj;
bad:
	snprintf(err, errlen, "failed to decode the protobuf request body");
	return NULL;
}
