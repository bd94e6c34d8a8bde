/* The domain types the pipeline passes between processes.
 *
 * They hold what the pipeline needs, not whole API objects: the watcher fills
 * them from JSON, the IPC codec carries them, the validator and launcher read
 * them. Every string is owned by the struct that holds it (heap, NUL-ended);
 * NULL means "unset" and is distinct from "". Free with the matching *_free(),
 * which accepts a zeroed struct and leaves the struct zeroed. */
#ifndef MGO_TYPES_H
#define MGO_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds shared by every decoder (IPC, JSON) so they agree on what is valid. */
#define MGO_NAME_MAX 253        /* DNS subdomain: namespaces, object names */
#define MGO_STR_MAX 4096        /* any other string field (proxy URLs, messages) */
#define MGO_ALLOWLIST_MAX 1024  /* entries in MustGatherImage/cluster spec.images */
/* spec.gatherSpec.command and .args as validated: at most this many items of
 * at most this many bytes each (mgo/spec.h). The decoders of the spec as the
 * user wrote it accept up to MGO_ARGV_DECODE_MAX items of MGO_STR_MAX bytes,
 * so an overlong list becomes an InvalidSpec naming the field, not an object
 * nobody can read (the MustGather's size bounds the whole, MGO_MG_MAX_BYTES). */
#define MGO_ARGV_MAX 256
#define MGO_ARGV_DECODE_MAX 1024

/* MustGather.spec, as written by the user (not yet validated). */
struct mgo_mg_spec {
	char *service_account;  /* serviceAccountRef.name */
	char *image;            /* mustGatherImage */
	bool audit;             /* additionalConfig.audit */
	char *http_proxy;       /* proxyConfig.httpProxy */
	char *https_proxy;      /* proxyConfig.httpsProxy */
	char *no_proxy;         /* proxyConfig.noProxy */
	char *timeout;          /* mustGatherTimeout, as written ("90s", "1.5h") */
	bool retain;            /* retainResourcesOnCompletion */
	char *upload_type;      /* uploadTarget.type; NULL: no upload target */
	bool has_sftp;          /* uploadTarget.sftp present */
	char *sftp_case_id;     /* uploadTarget.sftp.caseID */
	char *sftp_secret;      /* uploadTarget.sftp.caseManagementAccountSecretRef.name */
	char *sftp_host;        /* uploadTarget.sftp.host */
	bool sftp_internal_user;/* uploadTarget.sftp.internalUser */
	char *storage_type;     /* storage.type; NULL: no storage */
	char *pvc_claim;        /* storage.persistentVolume.claim.name */
	char *pvc_subpath;      /* storage.persistentVolume.subPath */
	char *since;            /* gatherSpec.since, a Go duration ("2h30m") */
	char *since_time;       /* gatherSpec.sinceTime, RFC 3339 */
	size_t n_command;
	char **command;         /* gatherSpec.command; none: the image's gather */
	size_t n_args;
	char **args;            /* gatherSpec.args */
	bool obfuscate;         /* obfuscate.enabled */
	char *obfuscate_config; /* obfuscate.configMapRef.name */
};

/* Where a MustGather's own status says it is. */
enum mgo_mg_phase {
	MGO_MG_NEW = 0,         /* no status written by us yet */
	MGO_MG_RUNNING,         /* Job launched, not finished */
	MGO_MG_COMPLETED,       /* terminal: status.status == Completed */
	MGO_MG_FAILED,          /* terminal: status.status == Failed */
};

struct mgo_mg {
	char *ns;
	char *name;
	char *uid;
	int64_t generation;
	char *resource_version; /* metadata.resourceVersion, as observed */
	bool deleting;          /* metadata.deletionTimestamp is set */
	enum mgo_mg_phase phase;
	/* Its size as compact JSON when over MGO_MG_MAX_BYTES (mgo/spec.h):
	 * the watcher then read only its metadata and phase, and spec is
	 * unset. 0: within the bound. */
	int64_t too_large_bytes;
	char *result_name;      /* status.resultName: the run's name (mgo/upload.h) */
	/* status.conditions' StorageReady reason (MGO_REASON_CLAIM_*, as
	 * written last); NULL: no such condition */
	char *storage_reason;
	struct mgo_mg_spec spec;
};

/* The allowlist as the watcher last saw MustGatherImage/cluster. */
struct mgo_allowlist {
	bool present;           /* false: the object does not exist */
	char *uid;              /* metadata.uid (for its own status only) */
	char *resource_version; /* metadata.resourceVersion (likewise) */
	int64_t generation;
	int64_t observed_generation; /* status.observedGeneration; 0: never written */
	size_t n_images;
	char **images;          /* spec.images as written, n_images entries */
};

/* The state of the Job a MustGather owns, folded with its Pod. */
enum mgo_job_phase {
	MGO_JOB_NONE = 0,       /* no Job owned by this MustGather */
	MGO_JOB_ACTIVE,
	MGO_JOB_SUCCEEDED,      /* condition Complete=True */
	MGO_JOB_FAILED,         /* condition Failed=True */
};

struct mgo_job_state {
	enum mgo_job_phase phase;
	char *name;
	char *uid;
	char *reason;           /* Job Failed condition reason (DeadlineExceeded, ...) */
	char *message;
	char *pod_container;    /* container the pod_reason is about */
	char *pod_reason;       /* waiting/terminated reason (ImagePullBackOff, Error, ...) */
	char *pod_message;
	int32_t gather_exit;    /* gather container exit code; -1 unknown */
	int32_t upload_exit;    /* upload container exit code; -1 unknown */
	int32_t clean_exit;     /* clean container exit code; -1 unknown (0 in
				   a zeroed struct: as good as never failed) */
};

/* Whether the ServiceAccount the MustGather names exists, as the watcher knows it. */
enum mgo_presence {
	MGO_PRESENCE_UNKNOWN = 0,
	MGO_PRESENCE_PRESENT,
	MGO_PRESENCE_ABSENT,
};

/* A PersistentVolumeClaim's status.phase, as read (mgo_claim_phase_from_json). */
enum mgo_claim_phase {
	MGO_CLAIM_UNKNOWN = 0,  /* not read, or the claim does not exist */
	MGO_CLAIM_PENDING,      /* Pending, or no phase yet (the API's default) */
	MGO_CLAIM_BOUND,
	MGO_CLAIM_LOST,
};

/* What an Observe is about. */
enum mgo_subject {
	MGO_SUBJECT_MUSTGATHER = 0,     /* a MustGather: mg is set */
	MGO_SUBJECT_ALLOWLIST,          /* MustGatherImage/cluster's own status: mg,
					   job and the presences are unset */
};

/* watcher -> validator: everything needed to decide about one MustGather,
 * or about the allowlist's status. */
struct mgo_observe {
	enum mgo_subject subject;
	struct mgo_mg mg;
	struct mgo_allowlist allowlist;
	struct mgo_job_state job;
	enum mgo_presence service_account;
	enum mgo_presence pvc;          /* the storage claim, when storage is set */
	enum mgo_claim_phase pvc_phase; /* its phase when present, as last read */
};

/* validator -> launcher: the only things the launcher will do. */
enum mgo_act_kind {
	MGO_ACT_LAUNCH = 1,     /* create the Job (idempotent), mark Running */
	MGO_ACT_DENY,           /* no Job: mark Failed with reason, Warning event */
	MGO_ACT_FINISH,         /* Job ended: record Completed/Failed, then clean up */
	MGO_ACT_CLEANUP,        /* outcome already recorded: delete the leftover Job */
	MGO_ACT_ALLOWLIST_STATUS, /* write MustGatherImage/cluster's status: which
				     entries are malformed; ns unset, name "cluster" */
	MGO_ACT_CLAIM_STATUS,   /* status only: the StorageReady condition says
				   what the storage claim's phase is (reason
				   MGO_REASON_CLAIM_*); the phase stays Running */
};

/* The validated intent of a LAUNCH: what the Job will be made of. */
struct mgo_job_intent {
	char *image;            /* exactly the image to run (requested or default) */
	bool custom_image;      /* image came from spec.mustGatherImage */
	char *service_account;
	bool audit;
	int64_t timeout_seconds;/* 0: no limit */
	char *http_proxy;
	char *https_proxy;
	char *no_proxy;
	bool retain;
	bool upload;            /* SFTP upload step present */
	char *sftp_case_id;
	char *sftp_secret;
	char *sftp_host;
	bool sftp_internal_user;
	char *pvc_claim;        /* NULL: ephemeral storage */
	char *pvc_subpath;
	char *since;            /* MUST_GATHER_SINCE for the gather; NULL: unset */
	char *since_time;       /* MUST_GATHER_SINCE_TIME; NULL: unset */
	size_t n_command;       /* 0: the default gather command */
	char **command;         /* replaces the gather command (exec form) */
	size_t n_args;
	char **args;            /* after command, or after the default command */
	bool obfuscate;         /* a cleaning step between the gather and the
				   packing (docs/obfuscation.md) */
	char *obfuscate_config; /* the ConfigMap holding its configuration;
				   NULL: mgo-clean's defaults */
};

struct mgo_act {
	enum mgo_act_kind kind;
	char *ns;
	char *name;
	char *uid;
	int64_t generation;
	/* The MustGather's resourceVersion the decision was made on: status
	 * writes are conditional on it, so an act decided on a stale view (the
	 * watcher lags) fails with Conflict instead of undoing newer state. */
	char *resource_version;
	bool succeeded;         /* FINISH: Completed (true) or Failed (false) */
	char *reason;           /* condition reason (InvalidImage, ...); NULL for LAUNCH */
	char *message;          /* human message for the condition and the Event */
	char *job_name;         /* FINISH/CLEANUP: the Job to delete */
	char *job_uid;          /* FINISH/CLEANUP: delete precondition */
	struct mgo_job_intent intent; /* LAUNCH only */
	/* ALLOWLIST_STATUS only: the malformed entries and why, pairwise */
	size_t n_invalid_images, n_invalid_messages;
	char **invalid_images;
	char **invalid_messages;
};

void mgo_mg_spec_free(struct mgo_mg_spec *s);
void mgo_mg_free(struct mgo_mg *m);
void mgo_allowlist_free(struct mgo_allowlist *a);
void mgo_job_state_free(struct mgo_job_state *j);
void mgo_observe_free(struct mgo_observe *o);
void mgo_job_intent_free(struct mgo_job_intent *i);
void mgo_act_free(struct mgo_act *a);

#endif
