/* The e2e fixture: one fresh cluster per test with the operator's three
 * processes running against it, and the helpers a test needs to drive it as
 * a cluster administrator (and as the Job controller and kubelet, which the
 * test API server does not have).
 *
 * Two modes, chosen by the environment (tests/e2e/README.md):
 *   - default: a private mgo-test-apiserver per test, with tokens for the
 *     watcher and the launcher; audit log and Job/Pod control available;
 *   - external (MGO_E2E_KUBECONFIG set): a cluster someone else runs; tests
 *     that need the test server's powers skip (cluster_require_test_server).
 *
 * Every helper fails the running test (cr_assert) instead of returning an
 * error; every wait has a deadline and polls the API, never a guessed sleep.
 * JSON results are new references the caller releases. */
#ifndef MGO_E2E_CLUSTER_H
#define MGO_E2E_CLUSTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "testenv.h"

/* What the operator's configuration says, so tests can compare. */
#define CL_OPERATOR_NS "must-gather-operator"
#define CL_DEFAULT_IMAGE "quay.io/openshift/origin-must-gather:latest"
#define CL_OPERATOR_IMAGE "quay.io/openshift/must-gather-operator:latest"
#define CL_KNOWN_HOSTS "sftp.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVl"
/* The configuration's trustedCAConfigMap: every upload step mounts it. */
#define CL_TRUSTED_CA "trusted-ca"
/* The service account users the test API server's token file names. */
#define CL_WATCHER_USER "system:serviceaccount:" CL_OPERATOR_NS ":mgo-watcher"
#define CL_LAUNCHER_USER "system:serviceaccount:" CL_OPERATOR_NS ":mgo-launcher"

/* The deadline of every wait, in milliseconds (scaled under valgrind). */
#define CL_WAIT_MS 10000

/* The supervisor's children (valgrind mode wraps each); mgo-tokens only
 * with minted tokens. */
enum cl_proc { CL_LAUNCHER, CL_VALIDATOR, CL_WATCHER, CL_HEALTH, CL_TOKENS, CL_NPROCS };

struct cluster_opts {
	bool valgrind;             /* run the three processes under memcheck */
	/* also apply deploy/components/admission-policies (Kubernetes 1.30+),
	 * whose images are the fixture's CL_DEFAULT_IMAGE and CL_OPERATOR_IMAGE */
	bool admission_policies;
	unsigned resync_seconds;   /* the configuration's resyncSeconds (the
				      watcher's longest resend pause); 0: default */
	unsigned launcher_qps;     /* roles.launcher.qps (and burst twice it);
				      0: default */
	unsigned max_running_per_ns; /* gathers.maxRunningPerNamespace; 0: default */
	/* no supervisor: the test holds the keys and starts the launcher and
	 * the validator itself (cluster_peers_start), playing the others */
	bool peers_by_test;
	/* The roles' tokens are minted by mgo-tokens (the configuration's
	 * `tokens`), as deploy/ runs the operator, instead of written by the
	 * fixture: the server's token file has none for the roles. Test
	 * server only. */
	bool minted_tokens;
	/* With minted_tokens: the server gives tokens at most this many
	 * seconds (--service-account-max-token-expiration), so a test sees
	 * them renewed; the pod's own token is then a line of the server's
	 * token file. 0: kube's lifetimes, and the pod's own token is minted
	 * bound to a Pod the fixture creates, as the kubelet does. */
	unsigned token_max_seconds;
};

struct cluster {
	bool external;             /* MGO_E2E_KUBECONFIG: someone else's API server */
	bool valgrind;
	unsigned resync_seconds;   /* 0: the configuration's default */
	unsigned launcher_qps;     /* cluster_opts' */
	unsigned max_running_per_ns;
	bool minted;               /* cluster_opts.minted_tokens */
	int slow;                  /* deadline multiplier */
	struct testenv env;        /* external mode: pid 0, the server's URL and CA */
	char ns[64];               /* this test's own namespace, created fresh */
	char *config;              /* the operator's configuration file */
	pid_t supervisor;          /* mgo-supervisor, running the three */
	pid_t peer[CL_NPROCS];     /* peers_by_test: the processes the test started */
	pid_t replica;             /* a second replica's (cluster_replica_start) */
	char *role_token[2];       /* minted: where mgo-tokens writes the watcher's
				      and the launcher's tokens */
	char *log;                 /* the current run's log: the supervisor's
				      stdout and stderr, every process's lines */
	unsigned runs;             /* starts so far: each run logs to new files */
	char *watcher_token;       /* the token files the configurations name */
	char *launcher_token;
	char ns2[64];              /* a second namespace (cluster_second_namespace) */
	int lock_fd;               /* external mode: one test at a time */
	bool locked;               /* lock_fd is open */
};

/* The cluster of the running test: Criterion runs every test in its own
 * process, so one per process is all there is. */
extern struct cluster cl;

/* Starts a server (or connects to the external one), installs the namespace,
 * CRDs and RBAC from deploy/ with kubectl, creates the test's namespace,
 * writes the operator's configuration and starts the processes, waiting for
 * each to say it is ready. opts may be NULL. */
void cluster_start(struct cluster *c, const struct cluster_opts *opts);
/* Stops the processes (each must exit 0 on SIGTERM), then the server, and
 * removes the temporary files. Safe on a cluster that never started or is
 * half-started, and twice. */
void cluster_stop(struct cluster *c);

/* For TestSuite(..., .init = cluster_setup, .fini = cluster_teardown). */
void cluster_setup(void);
void cluster_teardown(void);

/* Skips the test in external mode, saying which power of the test server it
 * needs (audit log, Job status control, pods without a kubelet), after
 * stopping the cluster. */
void cluster_require_test_server(struct cluster *c, const char *needs);

/* The operator as in its container: start runs mgo-supervisor, which starts
 * the three processes with their keys, and waits for "supervisor.ready" (all
 * three ready) and "launcher.active" (the Lease won) in its log; stop sends
 * it SIGTERM and asserts that it and each process exited 0. */
void cluster_procs_start(struct cluster *c);
void cluster_procs_stop(struct cluster *c);
/* start without the wait: the processes are still starting on return. */
void cluster_procs_spawn(struct cluster *c);

/* peers_by_test: starts mgo-validator and mgo-launcher with the keys in
 * `keys` (mgo_test_keys_mint: the launcher's own, the validator's and the
 * watcher's pairs), as the supervisor would hand them over, logging into
 * the run's log; waits for "validator.ready" and "launcher.active".
 * cluster_procs_stop stops them (each must exit 0 on SIGTERM). Endpoints
 * in buffers of 600 bytes. */
struct mgo_test_keys;
void cluster_peers_start(struct cluster *c, const struct mgo_test_keys *keys);
const char *cl_launcher_endpoint(const struct cluster *c, char buf[600]);
const char *cl_validator_endpoint(const struct cluster *c, char buf[600]);
/* A second replica of the operator against the same cluster, as a second
 * pod of the Deployment would be: its own supervisor, socket directory,
 * keys, launcher identity and log, the same tokens. */
struct cl_replica {
	pid_t supervisor;
	char *config, *log;
};
/* Starts it and waits until all its processes are ready and its launcher
 * stands by (the first replica leads). */
void cluster_replica_start(struct cluster *c, struct cl_replica *r, const char *name);
/* A replica's children by role, from its supervisor.child.ready lines (the
 * latest of each). */
pid_t cluster_child_pid(const char *log, const char *role);
/* The pod killed: SIGKILL to every process of the replica whose supervisor
 * is `supervisor` and whose log is `log`, with no chance to say goodbye
 * (the supervisor is stopped first, so it restarts nothing and its
 * children's death signal never comes), the launcher first. Reaps the
 * supervisor. Returns when the launcher was killed (wall clock, us). */
int64_t cluster_kill_replica(pid_t supervisor, const char *log);
/* Makes replica r the cluster's operator (what cluster_procs_stop stops and
 * checks), after the first one was killed; r is emptied. */
void cluster_adopt_replica(struct cluster *c, struct cl_replica *r);

/* The port mgo-health of the current run listens on, from its
 * health.listening line (the configuration asks for any free port). */
unsigned cluster_health_port(const struct cluster *c);

/* One admin request; path is relative to the server. Returns the HTTP code;
 * *out (if not NULL) gets the parsed body or NULL. */
long cluster_api(const struct cluster *c, const char *method, const char *path,
		 const char *content_type, const json_t *body, json_t **out);

/* POSTs body (taken) to path and returns the created object; DELETEs path
 * (200 or 202). Both fail the test on any other answer. */
json_t *cluster_create(const struct cluster *c, const char *path, json_t *body);
void cluster_delete(const struct cluster *c, const char *path);

/* Where a helper takes an object name, "NAME" is in the test's namespace and
 * "NS/NAME" in namespace NS. */

/* API paths of the kinds the tests touch (buf must hold 512 bytes). name
 * NULL: the collection in the test's namespace. */
const char *cl_mg_path(const struct cluster *c, const char *name, char buf[512]);
const char *cl_job_path(const struct cluster *c, const char *name, char buf[512]);
const char *cl_pod_path(const struct cluster *c, const char *name, char buf[512]);
#define CL_ALLOWLIST_PATH "/apis/operator.openshift.io/v1alpha1/mustgatherimages/cluster"

/* Creates, replaces (images not NULL) or deletes (images NULL) the allowlist
 * MustGatherImage/cluster. images is NULL-ended. */
void cluster_set_allowlist(const struct cluster *c, const char *const images[]);

/* Waits until MustGatherImage/cluster's status describes its current
 * generation with `invalid` malformed entries; returns the object. */
json_t *cluster_wait_allowlist_status(const struct cluster *c, json_int_t invalid);

/* Creates MustGather `name` with the spec given as JSON text ("{}" for
 * an empty one, NULL for none at all); returns the created object. */
json_t *cluster_create_mg(const struct cluster *c, const char *name, const char *spec_json);
/* The MustGather's metadata.uid (a pointer into obj). */
const char *cl_uid(const json_t *obj);

/* Waits until MustGather `name` has status.status == state and returns it;
 * fails at once with the recorded reason if it settles in another terminal
 * state, and at the deadline with the last status and the processes' logs. */
json_t *cluster_wait_mg(const struct cluster *c, const char *name, const char *state);
/* The same within `ms` (times the valgrind factor), not the usual deadline. */
json_t *cluster_wait_mg_within(const struct cluster *c, const char *name, const char *state,
			       int ms);
/* Until its status.reason is `reason` (a MustGather still waiting has no
 * status.status: NamespaceLimit), within `ms` (0: the usual deadline). */
json_t *cluster_wait_mg_reason(const struct cluster *c, const char *name, const char *reason,
			       int ms);
/* Until MustGather `name` has condition `type` with this status and reason;
 * returns it. */
json_t *cluster_wait_mg_condition(const struct cluster *c, const char *name, const char *type,
				  const char *status, const char *reason);
/* Waits until the test's namespace has Job `name`; returns it. */
json_t *cluster_wait_job(const struct cluster *c, const char *name);
/* Waits until the test's namespace has at least n Jobs, up to timeout_ms
 * (scaled like every wait); returns the JobList. */
json_t *cluster_wait_jobs(const struct cluster *c, size_t n, int timeout_ms);
/* Waits until GET path is 200; returns the object. */
json_t *cluster_wait_exists(const struct cluster *c, const char *path, const char *what);
/* Waits until GET path is 404. */
void cluster_wait_gone(const struct cluster *c, const char *path, const char *what);
/* Waits for the Event of MustGather `name` with this reason; returns it. */
json_t *cluster_wait_event(const struct cluster *c, const char *mg_name, const char *reason);
/* Waits until the launcher has carried out an act with this verdict
 * ("launch", "finish:Completed", "deny:InvalidImage", "cleanup") for
 * MustGather `name`, by its IPC log: received and ignored does not count.
 * Returns what it did (the log's "result"); the caller frees it. The one
 * positive sign that something did NOT happen after an act (a Job kept). */
char *cluster_wait_act(const struct cluster *c, const char *mg_name, const char *verdict);
/* How many messages about MustGather `name` process `to` ("validator",
 * "launcher") has received, by its IPC log; and a wait until it has received
 * at least n. The watcher re-sends an unchanged Observe with growing pauses,
 * so the validator's count of a MustGather that waits for its Job is a clock
 * that runs on the operator's own timers. */
size_t cluster_ipc_count(const struct cluster *c, const char *mg_name, const char *to);
void cluster_wait_ipc(const struct cluster *c, const char *mg_name, const char *to, size_t n);
/* The run's log lines whose "event" is `event`, in order (a new array). */
json_t *cluster_log_events(const struct cluster *c, const char *event);
/* Waits until the run's log has at least n lines with this "event" and
 * returns the n-th (from 1; a new reference). */
json_t *cluster_wait_log(const struct cluster *c, const char *event, size_t n);
/* Every Event about MustGather `name`, as a JSON array. */
json_t *cluster_events(const struct cluster *c, const char *mg_name);

/* The Job controller's part: merge-patches jobs/NAME/status. */
/* Creates MustGathers "<prefix>-0" .. "<prefix>-<n-1>" with spec_json in
 * namespace `ns` (NULL: the test's), many requests at once over a few
 * reused connections: a backlog made in seconds, not minutes. */
void cluster_create_mgs(const struct cluster *c, const char *ns, const char *prefix, size_t n,
			const char *spec_json);

/* Creates PersistentVolumeClaim `name` (1 GiB, ReadWriteOnce) in the test's
 * namespace and sets it Bound through its status, as a binder would leave
 * it (a real cluster's volume controller may set it Pending again where no
 * volume fits). _unbound: created only, no status.phase (Pending). */
void cluster_create_pvc(const struct cluster *c, const char *name);
void cluster_create_pvc_unbound(const struct cluster *c, const char *name);
/* Merge-patches the claim's status.phase ("Pending", "Bound", "Lost"), as
 * the volume controller would: the status subresource, which any API
 * server takes from an admin. */
void cluster_pvc_phase(const struct cluster *c, const char *claim, const char *phase);

/* A second namespace of the test's ("<ns>-b"), with its default
 * ServiceAccount; deleted with the test's in external mode. Its name. */
const char *cluster_second_namespace(struct cluster *c);

/* Someone labels MustGather `name`: a write the operator did not make. */
void cluster_label_mg(const struct cluster *c, const char *name, const char *key,
		      const char *value);
void cluster_job_status(const struct cluster *c, const char *job, const char *status_json);
void cluster_job_succeed(const struct cluster *c, const char *job);
/* Failed condition with this reason (e.g. "BackoffLimitExceeded",
 * "DeadlineExceeded"). */
void cluster_job_fail(const struct cluster *c, const char *job, const char *reason);

/* The kubelet's part: creates Pod `name` owned by `job` (a Job object) with
 * the Job's pod labels and a gather container, then sets its status from
 * status_json (NULL: leave it). Returns the Pod. */
json_t *cluster_create_pod(const struct cluster *c, const char *name, const json_t *job,
			   const char *status_json);

/* A MustGather both the CRD's rules and the validator refuse. A real API
 * server evaluates the CEL rules and answers 422 with crd_says; the test
 * server does not (tests/apiserver/README.md), so the object is made and the
 * validator must fail it as InvalidSpec with a message holding we_say, and
 * no Job. */
void cluster_refused_twice(const struct cluster *c, const char *name, const char *spec_json,
			   const char *crd_says, const char *we_say);

/* kubectl argv (without "kubectl") with the admin kubeconfig; returns its
 * output and asserts exit status 0. */
char *cluster_kubectl(const struct cluster *c, const char *const argv[]);
/* `kubectl describe mg NAME` (logged) holds needle. */
void cluster_describe_has(const struct cluster *c, const char *name, const char *needle);

/* Starts MustGather `name` with spec_json and returns its Job once the
 * MustGather is Running. */
json_t *cluster_launch(const struct cluster *c, const char *name, const char *spec_json);
/* MustGather `name` ended in `state` for `reason`: the terminal condition is
 * True, Running is False, and the Event of that reason (of event_type) was
 * recorded with the condition's message. Returns the message (caller
 * frees). */
char *cluster_expect_outcome(const struct cluster *c, const char *name, const char *state,
			     const char *reason, const char *event_type);
/* Runs MustGather `name` (spec_json) until its pod reports pod_status (as
 * the kubelet would) and, if job_reason is not NULL, the Job controller
 * gives up for that reason; then checks it Failed for `reason` and its Job
 * went. With lag, the operator's watch of pods falls behind its watch of
 * Jobs from the moment the Job runs (the server holds it) until the watcher
 * has read the pods anew (test server only). Returns the condition's
 * message (caller frees). */
char *cluster_fail_by_pod(const struct cluster *c, const char *name, const char *spec_json,
			  const char *pod_status, const char *job_reason, const char *reason,
			  bool lag);

/* Test server only: replaces its fault configuration (tests/apiserver/
 * README.md, "Admin endpoints"), and ends every open watch (clients resume
 * them from their last resourceVersion). */
void cluster_faults(const struct cluster *c, const char *faults_json);
void cluster_drop_watches(const struct cluster *c);
/* Until the server has held n requests so far (a fault with "hold"). */
void cluster_wait_held(const struct cluster *c, json_int_t n);

/* The audit log as a JSON array of its lines (test server only). */
json_t *cluster_audit(const struct cluster *c);

/* Requests in the audit log (test server only) matching every field that
 * is not NULL. */
struct cl_audit_match {
	const char *user, *verb, *resource, *subresource, *ns, *name;
};
size_t cluster_audit_count(const struct cluster *c, const struct cl_audit_match *m);
/* Until at least n such requests are in the audit log. */
void cluster_wait_audit(const struct cluster *c, const struct cl_audit_match *m, size_t n);

/* Jobs the launcher created (201) in the test's namespace, by the audit
 * log: the proof that a Job never existed, where a GET only says it does
 * not exist now (test server only). */
size_t cluster_jobs_created(const struct cluster *c);

/* Prints the tail of every process log and the server log to stderr: what a
 * failed test leaves for the reader. */
void cluster_dump(const struct cluster *c);

/* Convenience for JSON paths in assertions: obj at "a.b.c" (dots only, no
 * arrays), or NULL; the string there, or NULL. */
json_t *cl_at(const json_t *obj, const char *dotted);
const char *cl_str(const json_t *obj, const char *dotted);
/* The first element of array `list` whose string member `key` is `value`,
 * or NULL: a condition by type, an Event by reason, an env entry by name. */
json_t *cl_find(const json_t *list, const char *key, const char *value);
/* Container `name` of a Job's pod template (init or main), or NULL. */
json_t *cl_container(const json_t *job, const char *name);
/* The value of a container's environment variable, or NULL. */
const char *cl_env(const json_t *container, const char *name);

#endif
