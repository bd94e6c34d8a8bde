/* Create, update and delete of stored objects: the generic registry's
 * strategy steps (system metadata, status subresource rules, generation,
 * optimistic concurrency, finalizers, deletion propagation), shared by the
 * REST handlers and by the in-process controllers.
 *
 * Every function expects the store lock held. The input object is stolen.
 * On return resp holds the HTTP code and body (the object as the client's
 * version presents it, or a Status); the return value is 0, or -ENOMEM when
 * even that could not be built. */
#ifndef TAS_OBJECTS_H
#define TAS_OBJECTS_H

#include <jansson.h>
#include <stdbool.h>

#include "tas_server.h"

enum tas_field_validation { TAS_FV_WARN = 0, TAS_FV_IGNORE, TAS_FV_STRICT };

struct tas_wopts {
	bool dry_run;
	enum tas_field_validation field_validation;
	const char *subresource; /* "" for the main resource, "status", "finalize" */
	const struct tas_req *req; /* the client's request; NULL for the server's own writes */
};

struct tas_dopts {
	bool dry_run;
	const char *propagation; /* "Foreground" "Background" "Orphan"; NULL: the kind's default */
	const char *uid;         /* preconditions; NULL: none */
	const char *rv;
	const struct tas_req *req; /* the client's request; NULL for the server's own deletes */
};

int tas_obj_create(struct tas_server *s, struct tas_restype *rt, const char *ns, json_t *in,
		   const struct tas_wopts *o, struct tas_resp *resp);
int tas_obj_update(struct tas_server *s, struct tas_restype *rt, const char *ns,
		   const char *name, json_t *in, const struct tas_wopts *o,
		   struct tas_resp *resp);
int tas_obj_delete(struct tas_server *s, struct tas_restype *rt, const char *ns,
		   const char *name, const struct tas_dopts *o, struct tas_resp *resp);

/* The stored object as rt's version shows it (a new reference), or NULL. */
json_t *tas_obj_present(const struct tas_restype *rt, const json_t *stored);

/* Writes a controller's change to a stored object (stolen): stores it, or
 * removes it when it is being deleted and nothing holds it any more
 * (no finalizers; for namespaces also no spec.finalizers). */
int tas_obj_commit(struct tas_server *s, struct tas_bucket *b, json_t *obj);

/* Whether obj has metadata.deletionTimestamp. */
bool tas_obj_deleting(const json_t *obj);
/* Whether obj lists finalizer f. */
bool tas_obj_has_finalizer(const json_t *obj, const char *f);
/* A copy of obj without finalizer f (NULL on ENOMEM). */
json_t *tas_obj_without_finalizer(const json_t *obj, const char *f);

#endif
