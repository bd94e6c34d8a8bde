/* The resources the server serves: a fixed table of built-in kinds and the
 * kinds CustomResourceDefinitions add at run time. Discovery, routing,
 * authorization attributes, storage and validation all read from here.
 *
 * The registry is guarded by the store mutex. A restype may be replaced
 * while a watch streams it (a CRD update), so holders outside the lock keep
 * a reference (tas_restype_hold/release, both under the lock). */
#ifndef TAS_RESTYPE_H
#define TAS_RESTYPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum {
	TAS_RT_STATUS = 1 << 0,         /* status subresource */
	TAS_RT_GENERATION = 1 << 1,     /* metadata.generation counts spec changes */
	TAS_RT_CUSTOM = 1 << 2,         /* served from a CRD */
	TAS_RT_RETURN_DELETED = 1 << 3, /* DELETE answers with the object, not a Status */
	TAS_RT_CREATE_ON_UPDATE = 1 << 4,
	TAS_RT_UNCONDITIONAL = 1 << 5,  /* PUT without metadata.resourceVersion allowed */
	TAS_RT_VIRTUAL = 1 << 6,        /* create-only review: nothing is stored */
	TAS_RT_ORPHAN_DEFAULT = 1 << 7, /* DELETE orphans dependents by default (batch/v1 Job) */
};

enum tas_name_rule { TAS_NAME_SUBDOMAIN, TAS_NAME_LABEL, TAS_NAME_PATH_SEGMENT };

/* A field selector label, the dotted path it reads and the value an
 * absent field has (kube's GetAttrs read Go zero values). */
struct tas_field {
	const char *label;
	const char *path;
	const char *absent;
};

struct tas_restype {
	const char *group, *version, *resource, *singular, *kind, *list_kind;
	const char *storage_group, *storage_resource; /* the bucket its objects live in */
	bool namespaced;
	unsigned flags;
	enum tas_name_rule name_rule;
	const char *const *short_names; /* NULL-terminated; NULL: none */
	const char *const *categories;
	const char *const *verbs;
	const struct tas_field *fields;  /* field selector labels beyond metadata.* */
	/* Built-in kinds' strategies, all optional:
	 * on_create: what create resets or fills once (status, generated selectors);
	 * on_write: defaulting and conversions applied to every write, as kube
	 *   applies them at decoding; -EINVAL with err for a 400 (undecodable);
	 * validate: appends 422 causes (old is NULL on create). */
	int (*on_create)(json_t *obj);
	int (*on_write)(json_t *obj, char *err, size_t errlen);
	int (*validate)(const json_t *obj, const json_t *old, json_t *causes);
	/* Conversion between the stored form and this version's form (events.k8s.io). */
	json_t *(*to_version)(const json_t *stored);
	json_t *(*from_version)(const json_t *obj);

	/* Custom resources: the CRD (one reference) these strings point into. */
	json_t *crd;
	unsigned refs;
	void *owned; /* arrays allocated for this entry */
};

struct tas_registry {
	struct tas_restype **v;
	size_t n;
};

/* The built-in kinds; without admission_policies, not the
 * ValidatingAdmissionPolicy kinds (--no-admission-policies). */
int tas_registry_init(struct tas_registry *r, bool admission_policies);
void tas_registry_free(struct tas_registry *r);

struct tas_restype *tas_registry_find(const struct tas_registry *r, const char *group,
				      const char *version, const char *resource);
/* By group and kind, for ownerReferences (version NULL: any served one). */
struct tas_restype *tas_registry_find_kind(const struct tas_registry *r,
					   const char *group, const char *version,
					   const char *kind);
/* The entry to use for group/resource when no version is given (first served). */
struct tas_restype *tas_registry_find_gr(const struct tas_registry *r,
					 const char *group, const char *resource);
/* Whether group/version is served at all (discovery, 404 wording). */
bool tas_registry_has_gv(const struct tas_registry *r, const char *group, const char *version);

/* (Re)registers the kinds a CRD serves (replacing its previous ones), or
 * only removes them when the CRD does not serve any. crd is borrowed; the
 * registry takes its own reference. 0 or -ENOMEM. */
int tas_registry_set_crd(struct tas_registry *r, const json_t *crd);
void tas_registry_drop_crd(struct tas_registry *r, const char *crd_name);

void tas_restype_hold(struct tas_restype *rt);
void tas_restype_release(struct tas_restype *rt);

/* "batch/v1" or "v1" into buf. */
void tas_restype_api_version(const struct tas_restype *rt, char *buf, size_t len);
bool tas_restype_has_verb(const struct tas_restype *rt, const char *verb);
/* The CRD's entry in spec.versions for rt's version (borrowed), or NULL. */
const json_t *tas_restype_crd_version(const struct tas_restype *rt);
/* The version's openAPIV3Schema, or NULL. */
const json_t *tas_restype_schema(const struct tas_restype *rt);

#endif
