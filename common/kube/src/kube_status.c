/* Kubernetes errors as callers see them: the `Status` the server sent, or,
 * for a body that is not one (a proxy's HTML page, an empty 503), the reason
 * the API server would have used for that code, so callers can always
 * compare `reason` with "NotFound", "Conflict", "AlreadyExists"... */
#include "mgo/kube.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	long code;
	const char *reason;
} code_reasons[] = {
	{400, "BadRequest"},      {401, "Unauthorized"},
	{403, "Forbidden"},       {404, "NotFound"},
	{405, "MethodNotAllowed"}, {406, "NotAcceptable"},
	{409, "Conflict"},        {410, "Expired"},
	{413, "RequestEntityTooLarge"}, {415, "UnsupportedMediaType"},
	{422, "Invalid"},         {429, "TooManyRequests"},
	{500, "InternalError"},   {503, "ServiceUnavailable"},
	{504, "Timeout"},
};

const char *mgo_kube_reason_for_code(long http_code)
{
	for (size_t i = 0; i < sizeof(code_reasons) / sizeof(code_reasons[0]); i++)
		if (code_reasons[i].code == http_code)
			return code_reasons[i].reason;
	return "";
}

/* Copies `src` into dst[size], cut (when it must be) at a UTF-8 character
 * boundary: the message ends up in JSON logs, which refuse broken UTF-8. */
static void copy_utf8(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len >= size) {
		len = size - 1;
		size_t lead = len;
		while (lead > 0 && ((unsigned char)src[lead - 1] & 0xC0) == 0x80)
			lead--;
		if (lead > 0 && (unsigned char)src[lead - 1] >= 0xC0) {
			unsigned char c = (unsigned char)src[lead - 1];
			size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
			if (len - (lead - 1) < need)
				len = lead - 1;
		}
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* A reason is a CamelCase word; anything else in that field is not a reason
 * a caller could compare against, so it is replaced by the code's. */
static bool reason_ok(const char *s)
{
	if (!*s || strlen(s) >= MGO_KUBE_REASON_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

void mgo_kube_error_from_response(struct mgo_kube_error *e, long http_code, const json_t *body)
{
	const char *kind = json_string_value(json_object_get(body, "kind"));
	const char *reason = NULL, *message = NULL;
	json_int_t code = http_code;

	*e = (struct mgo_kube_error){.errnum = -EREMOTEIO, .http_code = http_code};
	if (kind && strcmp(kind, "Status") == 0) {
		reason = json_string_value(json_object_get(body, "reason"));
		message = json_string_value(json_object_get(body, "message"));
		json_t *jc = json_object_get(body, "code");
		if (json_is_integer(jc) && json_integer_value(jc) >= 100 &&
		    json_integer_value(jc) <= 599)
			code = json_integer_value(jc);
	}
	e->code = (int)code;
	snprintf(e->reason, sizeof(e->reason), "%s",
		 reason && reason_ok(reason) ? reason : mgo_kube_reason_for_code(http_code));
	if (message && *message)
		copy_utf8(e->message, sizeof(e->message), message);
	else
		snprintf(e->message, sizeof(e->message), "HTTP %ld%s%s", http_code,
			 *e->reason ? " " : "", e->reason);
}

long mgo_kube_parse_retry_after(const char *value)
{
	char *end;

	if (!value)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (*value < '0' || *value > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(value, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end || errno == ERANGE || v > 86400)
		return -1;
	return (long)v;
}
