/* Exit statuses of the Job's own steps. The validator reads them back from
 * the pod to name the failure, so the numbers are API between the Job and
 * the operator: add, never renumber. */
#ifndef MGO_UPLOAD_H
#define MGO_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>

/* The gather step exits with the gather's own status, or this when
 * spec.mustGatherTimeout cut it short (the status timeout(1) uses). */
#define MGO_GATHER_EXIT_TIMEOUT 124

/* The gather's packed result, in the run's folder (launcher/job.h). */
#define MGO_RESULT_TARBALL "must-gather.tar.gz"

/* The trusted CA bundle for an HTTPS proxy (operator configuration
 * trustedCAConfigMap): the key OpenShift injects into a ConfigMap labelled
 * config.openshift.io/inject-trusted-cabundle=true, and the variables that
 * tell mgo-upload where the Job mounted it and which ConfigMap it came
 * from (launcher/job.c). */
#define MGO_TRUSTED_CA_KEY "ca-bundle.crt"
#define MGO_UPLOAD_ENV_PROXY_CA_FILE "MGO_PROXY_CA_FILE"
#define MGO_UPLOAD_ENV_PROXY_CA_CONFIGMAP "MGO_PROXY_CA_CONFIGMAP"

/* A run's name, upstream's naming that support tooling recognises:
 * "must-gather.local.<cluster id>.<UTC time>.<random>", here the cluster's
 * id (ClusterVersion's spec.clusterID, else the kube-system namespace's
 * UID), the MustGather's creation time as YYYYMMDDThhmmssZ and the first 8
 * characters of its UID (random, and the same for every relaunch). The
 * launcher names the run's folder on a claim and its uploaded tarball
 * with it and records it as status.resultName. */
#define MGO_RUN_NAME_PREFIX "must-gather.local."
#define MGO_CLUSTER_ID_MAX 64
#define MGO_RUN_NAME_MAX 128

/* Whether s may be a cluster id in a run name: 1 to MGO_CLUSTER_ID_MAX
 * letters, digits and '-' (a UUID is). */
bool mgo_cluster_id_valid(const char *s);

/* Writes the run name into buf (MGO_RUN_NAME_MAX + 1 bytes suffice);
 * -EINVAL if the cluster id is not valid, the creation time not RFC 3339
 * UTC ("2026-12-07T09:15:00Z") or the UID shorter than 8. */
int mgo_run_name(const char *cluster_id, const char *created, const char *uid, char *buf,
		 size_t len);

/* The run's folder on a PersistentVolumeClaim: "SUBPATH/RUN_NAME" (no
 * SUBPATH: "RUN_NAME"), so that runs sharing a claim never mix. The
 * launcher mounts it and the validator says where a result stayed; both
 * name it here. Truncated to len, always terminated. */
void mgo_run_folder(const char *subpath, const char *run_name, char *buf, size_t len);

enum mgo_upload_exit {
	MGO_UPLOAD_EXIT_OK = 0,
	MGO_UPLOAD_EXIT_USAGE = 2,        /* bad arguments or environment */
	MGO_UPLOAD_EXIT_NO_TARBALL = 3,   /* the gather left no completion marker or tarball */
	MGO_UPLOAD_EXIT_HOST_KEY = 4,     /* the server's host key did not match */
	MGO_UPLOAD_EXIT_AUTH = 5,         /* the server refused the credentials */
	MGO_UPLOAD_EXIT_UNREACHABLE = 6,  /* no connection to the server */
	MGO_UPLOAD_EXIT_TRANSFER = 7,     /* connected, but the file did not arrive whole */
	/* the gather timed out and what it wrote before was uploaded whole:
	 * non-zero so that the Job, and the MustGather, fail with Timeout */
	MGO_UPLOAD_EXIT_PARTIAL = 8,
};

/* A short phrase for an upload exit status, for conditions and logs. */
const char *mgo_upload_exit_text(int status);

#endif
