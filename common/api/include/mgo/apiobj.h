/* Decoding the Kubernetes API objects the watcher reads (MustGather,
 * MustGatherImage, Job, Pod) from JSON into the domain types.
 *
 * Only the fields the pipeline needs are read; other fields are ignored, since
 * the API server adds fields over time. A JSON null counts as absent. The
 * fields that are read are checked strictly with the bounds the IPC codec
 * uses (MGO_NAME_MAX for object names, MGO_STR_MAX for other strings,
 * MGO_ALLOWLIST_MAX images): a value of the wrong type or over its bound is an
 * error whose message starts with the field path ("spec.additionalConfig.audit:
 * expected boolean, got string"). The CRDs must carry the same maxLength
 * bounds, so that an oversize spec is refused at admission where the user
 * sees it, not here. */
#ifndef MGO_APIOBJ_H
#define MGO_APIOBJ_H

#include <jansson.h>
#include <stddef.h>

#include "mgo/types.h"

/* A page of a list response stays well below this; one object is far smaller
 * (etcd refuses values over 1.5 MiB). */
#define MGO_JSON_MAX (16 * 1024 * 1024)
/* Deep enough for any object we read (managedFields nest about 15 levels). */
#define MGO_JSON_MAX_DEPTH 64

/* Parses untrusted JSON text: at most MGO_JSON_MAX bytes, nesting at most
 * MGO_JSON_MAX_DEPTH (checked on the raw text before jansson allocates),
 * duplicate object keys, NUL in strings, invalid UTF-8 and trailing bytes
 * refused. On success the caller owns *out (json_decref). Returns 0,
 * -EMSGSIZE, -EBADMSG or -ENOMEM; err may be NULL. */
int mgo_json_parse(const char *buf, size_t len, json_t **out, char *err, size_t errlen);

/* obj's metadata.<key> when it is a string, else NULL; borrowed from obj.
 * For reading what an already decoded object names (its uid, namespace,
 * name) without decoding the rest. */
const char *mgo_meta_str(const json_t *obj, const char *key);

/* A MustGather: metadata (namespace, name, uid, generation required;
 * deletionTimestamp), every spec field of struct mgo_mg_spec, and the phase
 * from status.status ("Running", "Completed", "Failed"; absent: MGO_MG_NEW),
 * storage_reason from the StorageReady condition (one that is not a
 * short string is taken as none).
 * On success the caller owns *out (mgo_mg_free); on failure *out is zeroed.
 * Returns 0, -EBADMSG or -ENOMEM. */
int mgo_mg_from_json(const json_t *obj, struct mgo_mg *out, char *err, size_t errlen);

/* A PersistentVolumeClaim's status.phase: Bound, Lost, and Pending for
 * Pending, no phase yet or one not known (a claim that is not Bound or
 * Lost is one the pod waits for); MGO_CLAIM_UNKNOWN for NULL. The watcher
 * and the launcher read it alike. */
enum mgo_claim_phase mgo_claim_phase_from_json(const json_t *pvc);

/* A MustGather too large to be read (MGO_MG_MAX_BYTES): only its metadata
 * and its phase, as mgo_mg_from_json reads them; the spec is left unset.
 * Ownership and returns as mgo_mg_from_json. */
int mgo_mg_meta_from_json(const json_t *obj, struct mgo_mg *out, char *err, size_t errlen);

/* The size of `obj` as compact JSON, counted without writing it out: how
 * the informer and the launcher measure an object against a bound (the
 * same object measures the same whichever read it came from). 0 for NULL. */
size_t mgo_json_size(const json_t *obj);

/* MustGatherImage/cluster: metadata.generation and spec.images (both
 * required); sets present. Ownership and returns as mgo_mg_from_json. */
int mgo_allowlist_from_json(const json_t *obj, struct mgo_allowlist *out,
			    char *err, size_t errlen);

/* How much of a container's termination message is kept: its end (the
 * last lines, under terminationMessagePolicy FallbackToLogsOnError), so the
 * watcher's cache holds at most this per unfinished MustGather. */
#define MGO_POD_MESSAGE_MAX 1024

/* The end of s, at most max bytes, starting where a UTF-8 character does
 * (a cut never leaves half of one), trailing newlines and spaces left out
 * of the length it sets in *len. A pointer into s. */
const char *mgo_text_tail(const char *s, size_t max, size_t *len);

/* A Job (name and uid required) and, if not NULL, its Pod. Phase: SUCCEEDED
 * or FAILED when condition Complete or Failed is "True" (Failed wins; its
 * reason and message are kept), else ACTIVE. From the Pod, containers "gather"
 * (init or main container), "clean" (likewise) and "upload": their terminated
 * exit codes (-1 when unknown). pod_reason and pod_message come from the Pod's own status.reason
 * (Evicted, DeadlineExceeded: it explains why the containers stopped) with no
 * pod_container; else from the first of gather, clean, upload that is waiting or
 * exited non-zero, named in pod_container; a terminated container's
 * message is kept to its last MGO_POD_MESSAGE_MAX bytes (mgo_text_tail).
 * Of other conditions and containers only the type or name is checked, so
 * their messages cannot fail the decode. Errors
 * name the field as "job.<path>" or "pod.<path>". Ownership and returns as
 * mgo_mg_from_json. */
int mgo_job_state_from_json(const json_t *job, const json_t *pod, struct mgo_job_state *out,
			    char *err, size_t errlen);

/* Who owns a Job or a Pod: its namespace and the uid of its controller (the
 * one ownerReference with controller: true) when that controller has this
 * apiVersion and kind ("operator.openshift.io/v1alpha1" "MustGather" for a
 * Job, "batch/v1" "Job" for a Pod). Labels say what an object claims; the
 * controller reference is what the garbage collector and the Job controller
 * act on, so ownership is read from it alone. */
struct mgo_owner {
	char *ns;               /* metadata.namespace */
	char *uid;              /* NULL: no controller, or one of another kind */
};

/* Fills *out from obj (metadata.namespace required). Each ownerReference
 * must have string apiVersion, kind and uid within MGO_NAME_MAX and a boolean
 * controller if any; a second controller is an error. Errors name the field
 * ("metadata.ownerReferences[1]: a second controller"). On success the caller
 * owns *out (mgo_owner_free); on failure *out is zeroed. Returns 0, -EBADMSG
 * or -ENOMEM. */
int mgo_owner_from_json(const json_t *obj, const char *api_version, const char *kind,
			struct mgo_owner *out, char *err, size_t errlen);
void mgo_owner_free(struct mgo_owner *o);

#endif
