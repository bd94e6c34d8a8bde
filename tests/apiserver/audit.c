#include "tas_audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int tas_audit_open(struct tas_server *s, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	s->audit = fdopen(fd, "a");
	if (!s->audit) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	pthread_mutex_init(&s->audit_mu, NULL);
	return 0;
}

void tas_audit_close(struct tas_server *s)
{
	if (!s->audit)
		return;
	fclose(s->audit);
	s->audit = NULL;
	pthread_mutex_destroy(&s->audit_mu);
}

static size_t put_escaped(char *buf, size_t len, size_t off, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s && off + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			buf[off++] = (char)c;
		} else {
			buf[off++] = '%';
			buf[off++] = hex[c >> 4];
			buf[off++] = hex[c & 15];
		}
	}
	buf[off < len ? off : len - 1] = '\0';
	return off;
}

void tas_request_uri(const struct tas_req *r, char *buf, size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "%s", r->path), i;

	for (i = 0; i < r->n_query && off + 2 < len; i++) {
		buf[off++] = i ? '&' : '?';
		buf[off] = '\0';
		off = put_escaped(buf, len, off, r->query[i].k);
		if (r->query[i].v && off + 1 < len) {
			buf[off++] = '=';
			buf[off] = '\0';
			off = put_escaped(buf, len, off, r->query[i].v);
		}
	}
}

void tas_audit_write(struct tas_server *s, const struct tas_req *r, const char *audit_id,
		     int code, double latency_ms)
{
	const struct tas_user *u = r->user ? r->user : &tas_anonymous;
	const struct tas_reqinfo *ri = &r->ri;
	char uri[4096], ts[40];
	struct timeval tv;
	struct tm tm;
	json_t *line, *groups = json_array();
	char *text;
	size_t i;

	if (!s->audit || !groups) {
		json_decref(groups);
		return;
	}
	for (i = 0; i < u->n_groups; i++)
		json_array_append_new(groups, json_string(u->groups[i]));
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%06ldZ", (long)tv.tv_usec);
	tas_request_uri(r, uri, sizeof(uri));
	line = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, "
			 "s:f, s:s}",
			 "time", ts, "auditID", audit_id, "user", u->name, "groups", groups,
			 "verb", ri->verb, "apiGroup", ri->group, "apiVersion",
			 ri->version ? ri->version : "", "resource", ri->resource, "subresource",
			 ri->subresource, "namespace", ri->ns, "name", ri->name, "requestURI", uri,
			 "code", code, "latencyMs", latency_ms, "userAgent",
			 r->user_agent ? r->user_agent : "");
	text = line ? json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
	if (text) {
		pthread_mutex_lock(&s->audit_mu);
		fprintf(s->audit, "%s\n", text);
		fflush(s->audit);
		pthread_mutex_unlock(&s->audit_mu);
	}
	free(text);
	json_decref(line);
}
