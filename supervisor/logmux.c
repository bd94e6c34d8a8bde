#include "logmux.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/log.h"

int mgo_logmux_init(struct mgo_logmux *m, const char *role, pid_t pid)
{
	*m = (struct mgo_logmux){.role = role, .pid = pid};
	m->buf = malloc(MGO_LOGMUX_LINE_MAX);
	return m->buf ? 0 : -ENOMEM;
}

void mgo_logmux_free(struct mgo_logmux *m)
{
	free(m->buf);
	*m = (struct mgo_logmux){0};
}

/* jansson refuses strings that are not UTF-8, and readers of the stream
 * refuse "\u0000" by default; such bytes become '?' so the line is kept
 * rather than lost. */
static json_t *text(const char *s, size_t len)
{
	json_t *j = memchr(s, '\0', len) ? NULL : json_stringn(s, len);
	char *copy;

	if (j)
		return j;
	copy = malloc(len ? len : 1);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < len; i++)
		copy[i] = s[i] && (unsigned char)s[i] < 0x80 ? s[i] : '?';
	j = json_stringn(copy, len);
	free(copy);
	return j;
}

static json_t *wrap(const char *role, pid_t pid, const char *line, size_t len, bool truncated)
{
	char ts[64];
	json_t *raw = text(line, len), *obj;

	if (!raw)
		return NULL;
	mgo_log_timestamp(ts, sizeof(ts));
	obj = json_pack("{s:s, s:s, s:s, s:i, s:s, s:o}", "ts", ts, "level", "info", "role", role,
			"pid", (int)pid, "event", "output", "raw", raw);
	if (obj && truncated && json_object_set_new(obj, "truncated", json_true()) != 0) {
		json_decref(obj);
		obj = NULL;
	}
	return obj;
}

char *mgo_logmux_format(const char *role, pid_t pid, const char *line, size_t len,
			bool truncated, size_t *outlen)
{
	json_t *obj = NULL;
	char *out = NULL;
	size_t n;

	if (len > 0 && line[0] == '{' && !truncated)
		obj = json_loadb(line, len, 0, NULL);
	/* the role is the supervisor's word, not the child's */
	if (obj && (!json_is_object(obj) || json_object_set_new(obj, "role", json_string(role)))) {
		json_decref(obj);
		obj = NULL;
	}
	if (!obj)
		obj = wrap(role, pid, line, len, truncated);
	if (!obj)
		return NULL;
	n = json_dumpb(obj, NULL, 0, JSON_COMPACT);
	if (n > 0 && (out = malloc(n + 1)) && json_dumpb(obj, out, n, JSON_COMPACT) == n) {
		out[n] = '\n';
		*outlen = n + 1;
	} else {
		free(out);
		out = NULL;
	}
	json_decref(obj);
	return out;
}

static int emit_line(struct mgo_logmux *m, const char *line, size_t len, bool truncated,
		     mgo_logmux_emit_fn emit, void *ctx)
{
	size_t n = 0;
	char *out;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0 && !truncated)
		return 0;
	out = mgo_logmux_format(m->role, m->pid, line, len, truncated, &n);
	if (!out)
		return -ENOMEM;
	emit(ctx, out, n);
	free(out);
	return 0;
}

int mgo_logmux_feed(struct mgo_logmux *m, const char *data, size_t n, mgo_logmux_emit_fn emit,
		    void *ctx)
{
	int rc = 0;

	while (n > 0 && !rc) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		size_t room = MGO_LOGMUX_LINE_MAX - m->len;

		if (m->discarding) {
			/* the rest of a line already emitted truncated */
		} else if (take <= room) {
			memcpy(m->buf + m->len, data, take);
			m->len += take;
		} else {
			memcpy(m->buf + m->len, data, room);
			rc = emit_line(m, m->buf, MGO_LOGMUX_LINE_MAX, true, emit, ctx);
			m->len = 0;
			m->discarding = true;
		}
		if (nl) {
			if (!m->discarding && !rc)
				rc = emit_line(m, m->buf, m->len, false, emit, ctx);
			m->len = 0;
			m->discarding = false;
			take++;
		}
		data += take;
		n -= take;
	}
	return rc;
}

int mgo_logmux_flush(struct mgo_logmux *m, mgo_logmux_emit_fn emit, void *ctx)
{
	int rc = 0;

	if (m->len > 0 && !m->discarding)
		rc = emit_line(m, m->buf, m->len, false, emit, ctx);
	m->len = 0;
	m->discarding = false;
	return rc;
}
