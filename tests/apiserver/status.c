#include "tas_status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "tas_util.h"

void tas_qualified(char *buf, size_t len, const char *name, const char *group)
{
	if (group && *group)
		snprintf(buf, len, "%s.%s", name, group);
	else
		snprintf(buf, len, "%s", name);
}

json_t *tas_status(int code, const char *reason, const char *message, json_t *details)
{
	json_t *st = json_pack("{s:s, s:s, s:{}, s:s, s:s}", "kind", "Status", "apiVersion",
			       "v1", "metadata", "status", code < 400 ? "Success" : "Failure",
			       "message", message ? message : "");

	if (!st)
		goto fail;
	if (reason && *reason && json_object_set_new(st, "reason", json_string(reason)))
		goto fail;
	if (details && json_object_set(st, "details", details))
		goto fail;
	if (json_object_set_new(st, "code", json_integer(code)))
		goto fail;
	json_decref(details);
	return st;
fail:
	json_decref(details);
	json_decref(st);
	return NULL;
}

json_t *tas_status_details(const char *name, const char *group, const char *kind)
{
	json_t *d = json_object();

	if (!d)
		return NULL;
	if ((name && *name && json_object_set_new(d, "name", json_string(name))) ||
	    (group && *group && json_object_set_new(d, "group", json_string(group))) ||
	    (kind && *kind && json_object_set_new(d, "kind", json_string(kind)))) {
		json_decref(d);
		return NULL;
	}
	return d;
}

json_t *tas_status_success(const char *name, const char *group, const char *kind,
			   const char *uid)
{
	json_t *d = tas_status_details(name, group, kind);
	json_t *st;

	if (d && uid && *uid && json_object_set_new(d, "uid", json_string(uid))) {
		json_decref(d);
		return NULL;
	}
	st = tas_status(200, NULL, NULL, d);
	/* A success Status carries neither message nor code in kube's output. */
	if (st) {
		json_object_del(st, "message");
		json_object_del(st, "code");
	}
	return st;
}

static json_t *about(int code, const char *reason, const char *group, const char *resource,
		     const char *name, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static json_t *about(int code, const char *reason, const char *group, const char *resource,
		     const char *name, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return tas_status(code, reason, msg, tas_status_details(name, group, resource));
}

json_t *tas_status_not_found(const char *group, const char *resource, const char *name)
{
	char q[512];

	tas_qualified(q, sizeof(q), resource, group);
	return about(404, "NotFound", group, resource, name, "%s \"%s\" not found", q, name);
}

json_t *tas_status_no_route(void)
{
	return tas_status(404, "NotFound", "the server could not find the requested resource",
			  json_object());
}

json_t *tas_status_already_exists(const char *group, const char *resource, const char *name)
{
	char q[512];

	tas_qualified(q, sizeof(q), resource, group);
	return about(409, "AlreadyExists", group, resource, name, "%s \"%s\" already exists", q,
		     name);
}

json_t *tas_status_conflict(const char *group, const char *resource, const char *name,
			    const char *why)
{
	char q[512];

	tas_qualified(q, sizeof(q), resource, group);
	return about(409, "Conflict", group, resource, name,
		     "Operation cannot be fulfilled on %s \"%s\": %s", q, name, why);
}

json_t *tas_status_forbidden(const char *group, const char *resource, const char *name,
			     const char *why)
{
	char q[512];

	if (!resource || !*resource)
		return about(403, "Forbidden", NULL, NULL, NULL, "forbidden: %s", why);
	tas_qualified(q, sizeof(q), resource, group);
	if (name && *name)
		return about(403, "Forbidden", group, resource, name, "%s \"%s\" is forbidden: %s",
			     q, name, why);
	return about(403, "Forbidden", group, resource, name, "%s is forbidden: %s", q, why);
}

json_t *tas_status_invalid(const char *group, const char *kind, const char *name,
			   const json_t *causes)
{
	char msg[4096];
	json_t *d = tas_status_details(name, group, kind);

	if (!d || json_object_set(d, "causes", (json_t *)(uintptr_t)causes) ||
	    tas_schema_invalid_message(kind, group ? group : "", name ? name : "", causes, msg,
				       sizeof(msg)) == -ENOMEM) {
		json_decref(d);
		return NULL;
	}
	return tas_status(422, "Invalid", msg, d);
}

json_t *tas_status_bad_request(const char *message)
{
	return tas_status(400, "BadRequest", message, NULL);
}

json_t *tas_status_method_not_allowed(const char *group, const char *resource,
				      const char *action)
{
	char q[512];

	tas_qualified(q, sizeof(q), resource, group);
	return about(405, "MethodNotAllowed", group, resource, NULL,
		     "%s is not supported on resources of kind \"%s\"", action, q);
}

json_t *tas_status_unsupported_patch(void)
{
	/* kube would also take application/apply-patch+yaml (server-side apply) */
	return tas_status(415, "UnsupportedMediaType",
			  "the body of the request was in an unknown format - accepted media "
			  "types include: application/json-patch+json, "
			  "application/merge-patch+json, application/strategic-merge-patch+json "
			  "(server-side apply is not served by mgo-test-apiserver)",
			  NULL);
}

json_t *tas_status_internal(const char *message)
{
	char msg[2048];
	json_t *d = json_pack("{s:[{s:s}]}", "causes", "message", message);

	snprintf(msg, sizeof(msg), "Internal error occurred: %s", message);
	return tas_status(500, "InternalError", msg, d);
}

json_t *tas_status_expired(const char *message)
{
	return tas_status(410, "Expired", message, NULL);
}

json_t *tas_status_unauthorized(void)
{
	return tas_status(401, "Unauthorized", "Unauthorized", NULL);
}

json_t *tas_status_too_many_requests(int retry_after_seconds)
{
	json_t *d = json_pack("{s:i}", "retryAfterSeconds", retry_after_seconds);

	return tas_status(429, "TooManyRequests", "Too many requests, please try again later.",
			  d);
}

json_t *tas_status_unavailable(int code)
{
	static const struct {
		int code;
		const char *reason, *message;
	} t[] = {
		{500, "InternalError", "Internal error occurred: injected fault"},
		{502, "", "the server responded with the status code 502 but did not return more information"},
		{503, "ServiceUnavailable", "the server is currently unable to handle the request"},
		{504, "Timeout", "the server was unable to return a response in the time allotted, but may still be processing the request"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == code)
			return tas_status(code, t[i].reason, t[i].message, NULL);
	return tas_status(code, "", "injected fault", NULL);
}

json_t *tas_status_too_large(long limit)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "Request entity too large: limit is %ld", limit);
	return tas_status(413, "RequestEntityTooLarge", msg, NULL);
}

json_t *tas_status_rv_too_large(unsigned long long want, unsigned long long have)
{
	char msg[256];
	json_t *d = json_pack("{s:[{s:s, s:s}], s:i}", "causes", "reason",
			      "ResourceVersionTooLarge", "message", "Too large resource version",
			      "retryAfterSeconds", 1);

	snprintf(msg, sizeof(msg), "Timeout: Too large resource version: %llu, current: %llu",
		 want, have);
	return tas_status(504, "Timeout", msg, d);
}

json_t *tas_status_not_acceptable(void)
{
	return tas_status(406, "NotAcceptable",
			  "only the following media types are accepted: application/json, "
			  "application/yaml",
			  NULL);
}

int tas_cause_add(json_t *causes, const char *reason, const char *field, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	json_t *c;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c = json_pack("{s:s, s:s, s:s}", "reason", reason, "message", msg, "field", field);
	if (!c || json_array_append_new(causes, c))
		return -ENOMEM;
	return 0;
}
