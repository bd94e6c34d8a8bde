/* How a MustGather's Job looks: a pure function from a LAUNCH act to the Job
 * object the launcher creates. No I/O; tested field by field and, for the
 * gather script, by running it (tests/unit/test_job_script.c).
 *
 * Shape:
 *  - the run's folder on a claim is SUBPATH/RUN_NAME and the uploaded
 *    tarball CASEID_RUN_NAME.tar.gz, upstream's naming (mgo_run_name);
 *  - named after the MustGather (shortened with a hash of its UID when the
 *    name would not fit a label), in its namespace, controlled by it;
 *  - one pod, never retried (backoffLimit 0): a gather is not idempotent;
 *  - with an upload target, "gather" is an init container and "upload" the
 *    main one, so the upload runs only after a successful gather and a
 *    failed upload never re-runs the gather;
 *  - a gather cut short by spec.mustGatherTimeout (timeout(1) inside the
 *    container, well before activeDeadlineSeconds) still packs what it
 *    wrote: the marker says 124; with an upload step the gather container
 *    then exits 0 so the partial tarball is uploaded, and mgo-upload exits
 *    MGO_UPLOAD_EXIT_PARTIAL to keep the timeout visible; without one it
 *    exits 124 and the tarball stays on the claim, if any;
 *  - with spec.obfuscate, "clean" (the operator's image, mgo_clean_script)
 *    runs between them: the gather writes to the "raw" emptyDir, never to
 *    the claim nor anything the upload reads, and does not pack; "clean"
 *    runs mgo-clean from that tree to the run's folder on "output", packs
 *    the cleaned tree and leaves the marker. A timed-out gather exits 0 so
 *    that its partial tree is cleaned and packed; "clean" then behaves as
 *    the gather would have (exits 0 before an upload, else 124). A failed
 *    cleaning leaves no tree or tarball and exits non-zero: no upload runs;
 *    without an upload target "clean" is the main container;
 *  - with operator configuration trustedCAConfigMap, the upload step mounts
 *    that ConfigMap of the MustGather's namespace and mgo-upload verifies an
 *    HTTPS proxy against it (docs/design.md, "Trusted CA for uploads");
 *  - every container uses terminationMessagePolicy FallbackToLogsOnError, so
 *    a failure's last lines outlive the pod in the MustGather's condition;
 *  - no user string is ever part of a shell command: the gather script is a
 *    constant, and everything variable reaches it through the environment. */
#ifndef MGO_LAUNCHER_JOB_H
#define MGO_LAUNCHER_JOB_H

#include <jansson.h>
#include <stddef.h>

#include "mgo/labels.h"
#include "mgo/types.h"
#include "mgo/upload.h"


/* Where the gather writes inside the pod, and the files it leaves there. */
#define MGO_OUTPUT_DIR "/must-gather"
#define MGO_TARBALL MGO_RESULT_TARBALL
#define MGO_DONE_MARKER ".mgo-gather-done"

/* Extra time the Job gets beyond spec.mustGatherTimeout for pulling images,
 * packing and uploading, before activeDeadlineSeconds stops it. */
#define MGO_DEADLINE_SLACK_SECONDS 900

/* What the launcher knows from its configuration. */
struct mgo_job_config {
	const char *operator_image;     /* runs the upload step */
	const char *http_proxy;         /* cluster-wide defaults for the upload */
	const char *https_proxy;
	const char *no_proxy;
	const char *sftp_known_hosts;   /* known_hosts lines for SFTP servers; NULL: none */
	const char *trusted_ca_configmap; /* in the MustGather's namespace, key
					     MGO_TRUSTED_CA_KEY; NULL: none */
};

/* The gather script every Job runs, and the cleaning step's script of a
 * Job with spec.obfuscate: constant, for tests to execute. */
extern const char mgo_gather_script[];
extern const char mgo_clean_script[];

/* Writes the Job name for a MustGather into buf (at least 64 bytes). */
void mgo_job_name(const char *mg_name, const char *mg_uid, char *buf, size_t len);

/* Builds the Job for a LAUNCH act. run_name (mgo_run_name, mgo/upload.h)
 * names the run's folder on a claim and the uploaded tarball; it may be
 * NULL only for a Job with neither. Returns a new reference, or NULL when
 * out of memory, the act is not a LAUNCH, a run name it needs is missing,
 * or its timeout is negative or over MGO_TIMEOUT_MAX_SECONDS (mgo/spec.h). */
json_t *mgo_job_render(const struct mgo_act *act, const char *run_name,
		       const struct mgo_job_config *cfg);

#endif
