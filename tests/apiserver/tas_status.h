/* metav1.Status bodies, worded the way kube-apiserver words them
 * (k8s.io/apimachinery/pkg/api/errors), so clients that match on reason,
 * code or message behave as they would against a real cluster.
 *
 * "Qualified resource" is "jobs.batch" or "pods"; "qualified kind" is
 * "Job.batch" or "Pod". Every constructor returns a new object the caller
 * owns, or NULL on allocation failure. */
#ifndef TAS_STATUS_H
#define TAS_STATUS_H

#include <jansson.h>

/* The general form; details is stolen (may be NULL). */
json_t *tas_status(int code, const char *reason, const char *message, json_t *details);
/* {"kind":"Status",...,"status":"Success"} with details. */
json_t *tas_status_success(const char *name, const char *group, const char *kind,
			   const char *uid);
/* Details object; empty strings are left out. */
json_t *tas_status_details(const char *name, const char *group, const char *kind);

json_t *tas_status_not_found(const char *group, const char *resource, const char *name);
json_t *tas_status_no_route(void);
json_t *tas_status_already_exists(const char *group, const char *resource, const char *name);
json_t *tas_status_conflict(const char *group, const char *resource, const char *name,
			    const char *why);
/* "<qualified resource> \"name\" is forbidden: why". */
json_t *tas_status_forbidden(const char *group, const char *resource, const char *name,
			     const char *why);
/* causes: array of {reason, message, field}; borrowed. */
json_t *tas_status_invalid(const char *group, const char *kind, const char *name,
			   const json_t *causes);
json_t *tas_status_bad_request(const char *message);
json_t *tas_status_method_not_allowed(const char *group, const char *resource,
				      const char *action);
json_t *tas_status_unsupported_patch(void);
json_t *tas_status_internal(const char *message);
json_t *tas_status_expired(const char *message);
json_t *tas_status_unauthorized(void);
json_t *tas_status_too_many_requests(int retry_after_seconds);
json_t *tas_status_unavailable(int code);
json_t *tas_status_too_large(long limit);
json_t *tas_status_rv_too_large(unsigned long long want, unsigned long long have);
json_t *tas_status_not_acceptable(void);

/* Appends {reason, message, field} to causes; returns 0 or -ENOMEM. */
int tas_cause_add(json_t *causes, const char *reason, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "pods" or "jobs.batch" into buf. */
void tas_qualified(char *buf, size_t len, const char *name, const char *group);

#endif
