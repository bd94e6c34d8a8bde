/* Exit statuses of the Job's own steps. The validator reads them back from
 * the pod to name the failure, so the numbers are API between the Job and
 * the operator: add, never renumber. */
#ifndef MGO_UPLOAD_H
#define MGO_UPLOAD_H

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
