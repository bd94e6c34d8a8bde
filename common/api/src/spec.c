/* Validation of a MustGather's spec into the intent the launcher will obey
 * (mgo/spec.h); the launcher runs it again on what it reads itself.
 *
 * The CRD schema already refuses much of this, but the validator does not
 * trust it: CEL rules may not be enforced (an old API server, a CRD edited
 * by hand), and the Job must never be built from a field nobody checked. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/image.h"
#include "mgo/spec.h"

bool mgo_reason_known(const char *reason)
{
	static const char *const known[] = {
		MGO_REASON_ALLOWLIST_NOT_CONFIGURED, MGO_REASON_INVALID_IMAGE,
		MGO_REASON_INVALID_SPEC, MGO_REASON_COMPLETED, MGO_REASON_TIMEOUT,
		MGO_REASON_GATHER_FAILED, MGO_REASON_UPLOAD_FAILED, MGO_REASON_IMAGE_PULL_FAILED,
		MGO_REASON_POD_CONFIG_ERROR, MGO_REASON_JOB_FAILED, MGO_REASON_OBJECT_TOO_LARGE,
		MGO_REASON_OBFUSCATION_FAILED};

	for (size_t i = 0; reason && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(reason, known[i]) == 0)
			return true;
	return false;
}

const char *mgo_claim_condition(enum mgo_claim_phase phase, const char *claim, char *msg,
				size_t len)
{
	switch (phase) {
	case MGO_CLAIM_PENDING:
		snprintf(msg, len, "PersistentVolumeClaim %s is Pending: the Job's pod waits for it "
			 "to bind (spec.mustGatherTimeout still applies)", claim);
		return MGO_REASON_CLAIM_PENDING;
	case MGO_CLAIM_LOST:
		/* a Lost claim never binds again: say so, not that the pod waits */
		snprintf(msg, len, "PersistentVolumeClaim %s is Lost (its volume is gone) and will "
			 "not bind again: results cannot be stored there "
			 "(spec.mustGatherTimeout still ends the gather)", claim);
		return MGO_REASON_CLAIM_LOST;
	case MGO_CLAIM_BOUND:
		snprintf(msg, len, "PersistentVolumeClaim %s is Bound", claim);
		return MGO_REASON_CLAIM_BOUND;
	case MGO_CLAIM_UNKNOWN:
		break;
	}
	return NULL;
}

bool mgo_namespace_is_platform(const char *ns)
{
	static const char *const platform[] = {"openshift", "kube", "hypershift"};

	for (size_t i = 0; ns && i < sizeof(platform) / sizeof(platform[0]); i++) {
		size_t n = strlen(platform[i]);
		if (strncmp(ns, platform[i], n) == 0 && (ns[n] == '\0' || ns[n] == '-'))
			return true;
	}
	return false;
}

static int deny(const char **reason, const char *why, char *msg, size_t msglen,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int deny(const char **reason, const char *why, char *msg, size_t msglen,
		const char *fmt, ...)
{
	va_list ap;

	*reason = why;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return 1;
}

/* RFC 1123 subdomain, as Kubernetes requires for ServiceAccount, Secret and
 * PersistentVolumeClaim names. */
static bool is_dns_subdomain(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > MGO_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (alnum)
			continue;
		if (c != '-' && c != '.')
			return false;
		if (i == 0 || i == len - 1 || s[i - 1] == '.' || (c == '.' && s[i - 1] == '-') ||
		    (c == '-' && s[i + 1] == '.'))
			return false;
	}
	return true;
}

static bool has_control_or_space(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return true;
	return false;
}

int mgo_parse_duration(const char *s, int64_t *seconds, char *msg, size_t msglen)
{
	static const struct {
		const char *suffix;
		double ms;
	} units[] = {{"ms", 1}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3}, {"d", 86400e3}};
	double total_ms = 0;
	const char *p = s;

	if (!s || !*s) {
		snprintf(msg, msglen, "empty duration");
		return -EINVAL;
	}
	while (*p) {
		const char *end;
		size_t u, best = 0, best_len = 0;

		if (!isdigit((unsigned char)*p)) {
			snprintf(msg, msglen, "duration %.64s: expected a number at position %zu", s,
				 (size_t)(p - s) + 1);
			return -EINVAL;
		}
		/* digits[.digits], parsed by hand: strtod would also take hex,
		 * exponents and "inf", none of which a duration may be */
		double v = 0, scale = 1;
		for (end = p; isdigit((unsigned char)*end); end++)
			if (v < 1e15) /* past any limit already; keeps v finite */
				v = v * 10 + (*end - '0');
		if (*end == '.') {
			if (!isdigit((unsigned char)end[1])) {
				snprintf(msg, msglen, "duration %.64s: digits must follow '.'", s);
				return -EINVAL;
			}
			for (end++; isdigit((unsigned char)*end); end++)
				v += (*end - '0') * (scale /= 10);
		}
		for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
			size_t n = strlen(units[u].suffix);
			if (strncmp(end, units[u].suffix, n) == 0 && n > best_len) {
				best = u;
				best_len = n;
			}
		}
		if (best_len == 0) {
			snprintf(msg, msglen,
				 "duration %.64s: missing or unknown unit at position %zu "
				 "(use ms, s, m, h or d)",
				 s, (size_t)(end - s) + 1);
			return -EINVAL;
		}
		total_ms += v * units[best].ms;
		if (total_ms > (double)MGO_TIMEOUT_MAX_SECONDS * 1e3) {
			snprintf(msg, msglen, "duration %.64s: longer than 366 days", s);
			return -EINVAL;
		}
		p = end + best_len;
	}
	int64_t secs = (int64_t)(total_ms / 1e3);
	if ((double)secs * 1e3 < total_ms)
		secs++;
	if (secs <= 0) {
		snprintf(msg, msglen, "duration %.64s: must be longer than zero", s);
		return -EINVAL;
	}
	*seconds = secs;
	return 0;
}

/* host, host:port, or [v6]:port; what libcurl gets as the SFTP server. */
static bool is_host_port(const char *s)
{
	const char *colon;
	size_t hostlen;

	if (!*s || strlen(s) > MGO_NAME_MAX + 6 || has_control_or_space(s))
		return false;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || close == s + 1)
			return false;
		for (const char *c = s + 1; c < close; c++)
			if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.')
				return false;
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] && !colon)
			return false;
	} else {
		colon = strchr(s, ':');
		hostlen = colon ? (size_t)(colon - s) : strlen(s);
		if (hostlen == 0)
			return false;
		for (size_t i = 0; i < hostlen; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
				return false;
	}
	if (colon) {
		char *end;
		long port = strtol(colon + 1, &end, 10);
		if (*end || end == colon + 1 || port < 1 || port > 65535)
			return false;
	}
	return true;
}

/* A proxy URL is handed to curl in the upload container; refuse anything
 * but http(s) so a user cannot point the upload at file:// or a socket. */
static bool is_proxy_url(const char *s)
{
	if (has_control_or_space(s))
		return false;
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* A volume subPath: relative, no "..", as the kubelet requires; checked here
 * so the failure is a condition on the MustGather, not a stuck pod. */
static bool is_sub_path(const char *s)
{
	if (*s == '/' || has_control_or_space(s) || strlen(s) > 1024)
		return false;
	for (const char *c = s; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return false;
		c += n;
		if (*c == '/')
			c++;
	}
	return true;
}

static bool is_case_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

/* A Go duration as the gather's `oc adm inspect --since` parses it, without
 * sign or the µ spelling: ([0-9]+(.[0-9]+)?(ns|us|ms|s|m|h))+, at most 64
 * bytes. The same pattern as the CRD's spec.gatherSpec.since. */
static bool is_go_duration(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	while (*s) {
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
		if (*s == '.') {
			if (!isdigit((unsigned char)s[1]))
				return false;
			for (s++; isdigit((unsigned char)*s); s++)
				;
		}
		if ((s[0] == 'n' || s[0] == 'u' || s[0] == 'm') && s[1] == 's')
			s += 2;
		else if (*s == 's' || *s == 'm' || *s == 'h')
			s++;
		else
			return false;
	}
	return true;
}

/* Reads exactly n digits into *v; false if fewer, or out of [lo, hi]. */
static bool digits(const char **p, int n, int lo, int hi, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return false;
		x = x * 10 + (**p - '0');
	}
	*v = x;
	return x >= lo && x <= hi;
}

/* RFC 3339 as the CRD's spec.gatherSpec.sinceTime pattern and date-time
 * format take it together: YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|+HH:MM|-HH:MM),
 * a real calendar date, no leap second (Go's time.Parse refuses :60). */
static bool is_rfc3339(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, se, n = 0;

	if (!digits(&s, 4, 0, 9999, &y) || *s++ != '-' || !digits(&s, 2, 1, 12, &mo) ||
	    *s++ != '-' || !digits(&s, 2, 1, mdays[mo - 1], &d) || *s++ != 'T' ||
	    !digits(&s, 2, 0, 23, &h) || *s++ != ':' || !digits(&s, 2, 0, 59, &mi) ||
	    *s++ != ':' || !digits(&s, 2, 0, 59, &se))
		return false;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return false;
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++)
			n++;
		if (n < 1 || n > 9)
			return false;
	}
	if (*s == 'Z')
		return s[1] == '\0';
	if (*s != '+' && *s != '-')
		return false;
	s++;
	return digits(&s, 2, 0, 23, &h) && *s++ == ':' && digits(&s, 2, 0, 59, &mi) && !*s;
}

static int check_argv(const char *field, char *const *v, size_t n, const char **reason,
		      char *msg, size_t msglen)
{
	if (n > MGO_ARGV_MAX)
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.gatherSpec.%s has %zu items, at most %d are allowed", field, n,
			    MGO_ARGV_MAX);
	for (size_t i = 0; i < n; i++)
		if (strlen(v[i]) > MGO_ARGV_MAX)
			return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
				    "spec.gatherSpec.%s[%zu] is %zu bytes long, at most %d are "
				    "allowed", field, i, strlen(v[i]), MGO_ARGV_MAX);
	return 0;
}

/* spec.gatherSpec (docs/design.md, "What the gather runs"): each value goes
 * to the gather container as one environment variable or one argv item,
 * never through a shell. */
static int check_gather_spec(const struct mgo_mg_spec *s, const char **reason, char *msg,
			     size_t msglen)
{
	int rc;

	if (s->since && s->since_time)
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.gatherSpec.since and spec.gatherSpec.sinceTime are both set; "
			    "set at most one of them");
	if (s->since && !is_go_duration(s->since))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.gatherSpec.since %.64s is not a duration such as 90m or 2h30m "
			    "(units ns, us, ms, s, m, h)", s->since);
	if (s->since_time && !is_rfc3339(s->since_time))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.gatherSpec.sinceTime %.64s is not an RFC 3339 time such as "
			    "2026-01-02T15:04:05Z", s->since_time);
	if ((rc = check_argv("command", s->command, s->n_command, reason, msg, msglen)) ||
	    (rc = check_argv("args", s->args, s->n_args, reason, msg, msglen)))
		return rc;
	if (s->audit && (s->image || s->n_command))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.additionalConfig.audit gathers audit logs with the default image "
			    "and command only; unset %s%s%s or the audit",
			    s->image ? "spec.mustGatherImage" : "",
			    s->image && s->n_command ? " and " : "",
			    s->n_command ? "spec.gatherSpec.command" : "");
	return 0;
}

/* spec.obfuscate (docs/obfuscation.md): the ConfigMap is read by the
 * kubelet, in the MustGather's namespace, into the cleaning step; it is
 * never read by the operator (docs/design.md, "Obfuscation"). */
static int check_obfuscate(const struct mgo_mg_spec *s, const char **reason, char *msg,
			   size_t msglen)
{
	if (!s->obfuscate_config)
		return 0;
	if (!s->obfuscate)
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.obfuscate.configMapRef is set but spec.obfuscate.enabled is not "
			    "true; enable the obfuscation or remove the reference");
	if (!is_dns_subdomain(s->obfuscate_config))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.obfuscate.configMapRef.name %.64s must name a ConfigMap in the "
			    "MustGather's namespace", s->obfuscate_config);
	return 0;
}

static int dup_into(char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

static int dup_strv(char ***dst, size_t *n, char *const *src, size_t n_src)
{
	if (!n_src)
		return 0;
	if (!(*dst = calloc(n_src, sizeof(char *))))
		return -ENOMEM;
	for (*n = 0; *n < n_src; (*n)++)
		if (!((*dst)[*n] = strdup(src[*n])))
			return -ENOMEM;
	return 0;
}

/* Checks the image and resolves what the Job will run. */
static int check_image(const struct mgo_policy *policy, const struct mgo_observe *obs,
		       const char **reason, char *msg, size_t msglen)
{
	const char *image = obs->mg.spec.image;
	struct mgo_img_ref req, entry;
	char err[MGO_IMG_ERR_MAX];

	if (!image)
		return 0;
	if (mgo_img_parse(image, &req, err, sizeof(err)) != 0)
		return deny(reason, MGO_REASON_INVALID_IMAGE, msg, msglen,
			    "spec.mustGatherImage is not a valid image reference: %s", err);
	if (!obs->allowlist.present)
		return deny(reason, MGO_REASON_ALLOWLIST_NOT_CONFIGURED, msg, msglen,
			    "spec.mustGatherImage is set but no MustGatherImage named 'cluster' "
			    "exists; a cluster administrator must create it and list the image");
	for (size_t i = 0; i < obs->allowlist.n_images; i++) {
		/* a malformed entry allows nothing; the operator reports it on the
		 * MustGatherImage itself */
		if (mgo_img_parse(obs->allowlist.images[i], &entry, NULL, 0) != 0)
			continue;
		if (mgo_img_allowed(&req, &entry))
			return 0;
	}
	char canon[MGO_IMG_CANONICAL_MAX];
	if (mgo_img_canonical(&req, canon, sizeof(canon)) != 0)
		canon[0] = '\0';
	return deny(reason, MGO_REASON_INVALID_IMAGE, msg, msglen,
		    "image %s (canonical %s) is not in MustGatherImage/cluster spec.images", image,
		    canon);
}

static int check_service_account(const struct mgo_policy *policy,
				 const struct mgo_observe *obs, const char *sa,
				 const char **reason, char *msg, size_t msglen)
{
	if (!is_dns_subdomain(sa))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.serviceAccountRef.name %.253s is not a valid ServiceAccount name", sa);
	if (obs->mg.ns && policy->namespace && strcmp(obs->mg.ns, policy->namespace) == 0)
		for (size_t i = 0; i < policy->n_operator_sas; i++)
			if (strcmp(sa, policy->operator_sas[i]) == 0)
				return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
					    "spec.serviceAccountRef.name %s is one of the operator's own "
					    "service accounts and cannot run a gather",
					    sa);
	if (obs->service_account == MGO_PRESENCE_ABSENT)
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.serviceAccountRef.name: ServiceAccount %s not found in namespace %s",
			    sa, obs->mg.ns ? obs->mg.ns : "");
	return 0;
}

/* A gather in the operator's namespace runs beside its tokens; one in the
 * platform's is refused at admission (deploy/components/admission-policies) where that policy is
 * installed, and here where it is not. */
static int check_namespace(const struct mgo_policy *policy, const char *ns, const char **reason,
			   char *msg, size_t msglen)
{
	if (!ns)
		return 0;
	if (policy->namespace && strcmp(ns, policy->namespace) == 0)
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "metadata.namespace %s is the operator's own namespace, where no "
			    "gather may run; create the MustGather in a namespace of your own", ns);
	if (mgo_namespace_is_platform(ns))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "metadata.namespace %.63s belongs to the platform (openshift, kube, "
			    "hypershift and their -* namespaces); create the MustGather in a "
			    "namespace of your own", ns);
	return 0;
}

static int check_upload(const struct mgo_mg_spec *s, const char **reason, char *msg,
			size_t msglen)
{
	if (!s->upload_type) {
		if (s->has_sftp)
			return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
				    "spec.uploadTarget.sftp is set without spec.uploadTarget.type");
		return 0;
	}
	if (strcmp(s->upload_type, "SFTP") != 0)
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.uploadTarget.type %.64s is not supported (only SFTP)",
			    s->upload_type);
	if (!s->has_sftp)
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.uploadTarget.sftp is required when type is SFTP");
	if (!s->sftp_case_id || !is_case_id(s->sftp_case_id))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.uploadTarget.sftp.caseID must be 1 to 64 letters, digits, '-' or '_'");
	if (!s->sftp_secret || !is_dns_subdomain(s->sftp_secret))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.uploadTarget.sftp.caseManagementAccountSecretRef.name must name a "
			    "Secret in the MustGather's namespace");
	if (s->sftp_host && !is_host_port(s->sftp_host))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.uploadTarget.sftp.host %.64s is not a host name or host:port",
			    s->sftp_host);
	return 0;
}

static int check_storage(const struct mgo_observe *obs, const char **reason, char *msg,
			 size_t msglen)
{
	const struct mgo_mg_spec *s = &obs->mg.spec;

	if (!s->storage_type)
		return 0;
	if (strcmp(s->storage_type, "PersistentVolume") != 0)
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.storage.type %.64s is not supported (only PersistentVolume)",
			    s->storage_type);
	if (!s->pvc_claim || !is_dns_subdomain(s->pvc_claim))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.storage.persistentVolume.claim.name must name a "
			    "PersistentVolumeClaim in the MustGather's namespace");
	if (s->pvc_subpath && !is_sub_path(s->pvc_subpath))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.storage.persistentVolume.subPath %.64s must be a relative path "
			    "without '..'",
			    s->pvc_subpath);
	if (obs->pvc == MGO_PRESENCE_ABSENT)
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    MGO_DENY_CLAIM_MISSING "%s not found in namespace %s",
			    s->pvc_claim, obs->mg.ns ? obs->mg.ns : "");
	return 0;
}

static int check_proxy(const struct mgo_mg_spec *s, const char **reason, char *msg,
		       size_t msglen)
{
	if (s->http_proxy && *s->http_proxy && !is_proxy_url(s->http_proxy))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.proxyConfig.httpProxy must be an http:// or https:// URL");
	if (s->https_proxy && *s->https_proxy && !is_proxy_url(s->https_proxy))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.proxyConfig.httpsProxy must be an http:// or https:// URL");
	if (s->no_proxy && has_control_or_space(s->no_proxy))
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.proxyConfig.noProxy must be a comma-separated list without spaces");
	return 0;
}

static int fill_intent(const struct mgo_policy *policy, const struct mgo_mg_spec *s,
		       const char *sa, int64_t timeout, struct mgo_job_intent *in)
{
	int rc = 0;

	in->custom_image = s->image != NULL;
	in->audit = s->audit;
	in->timeout_seconds = timeout;
	in->retain = s->retain;
	in->upload = s->upload_type != NULL;
	in->sftp_internal_user = s->sftp_internal_user;
	rc = dup_into(&in->image, s->image ? s->image : policy->default_image);
	if (!rc)
		rc = dup_into(&in->service_account, sa);
	if (!rc)
		rc = dup_into(&in->http_proxy, s->http_proxy);
	if (!rc)
		rc = dup_into(&in->https_proxy, s->https_proxy);
	if (!rc)
		rc = dup_into(&in->no_proxy, s->no_proxy);
	if (!rc && in->upload) {
		rc = dup_into(&in->sftp_case_id, s->sftp_case_id);
		if (!rc)
			rc = dup_into(&in->sftp_secret, s->sftp_secret);
		if (!rc)
			rc = dup_into(&in->sftp_host,
				      s->sftp_host ? s->sftp_host : "sftp.access.redhat.com");
	}
	if (!rc)
		rc = dup_into(&in->since, s->since);
	if (!rc)
		rc = dup_into(&in->since_time, s->since_time);
	if (!rc)
		rc = dup_strv(&in->command, &in->n_command, s->command, s->n_command);
	if (!rc)
		rc = dup_strv(&in->args, &in->n_args, s->args, s->n_args);
	in->obfuscate = s->obfuscate;
	if (!rc && s->obfuscate)
		rc = dup_into(&in->obfuscate_config, s->obfuscate_config);
	if (!rc && s->storage_type) {
		rc = dup_into(&in->pvc_claim, s->pvc_claim);
		if (!rc)
			rc = dup_into(&in->pvc_subpath, s->pvc_subpath);
	}
	return rc;
}

int mgo_validate_spec(const struct mgo_policy *policy, const struct mgo_observe *obs,
		      struct mgo_job_intent *intent, const char **reason, char *msg,
		      size_t msglen)
{
	const struct mgo_mg_spec *s = &obs->mg.spec;
	const char *sa = s->service_account ? s->service_account : "default";
	int64_t timeout = 0;
	char err[256];
	int rc;

	memset(intent, 0, sizeof(*intent));
	*reason = NULL;
	/* the spec is fixed at creation (the CRD's CEL: immutable, and neither
	 * added nor removed later); a generation past 1 means an API server
	 * that did not enforce that changed it, and no spec but the first runs
	 * (a deletion counts too: kube bumps the generation as it sets
	 * deletionTimestamp; nothing launches for a dying one anyway) */
	if (obs->mg.generation > 1 && !obs->mg.deleting)
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec was changed after creation (metadata.generation %" PRId64 "); "
			    "the spec is fixed when a MustGather is created: create a new one",
			    obs->mg.generation);
	if ((rc = check_image(policy, obs, reason, msg, msglen)))
		return rc;
	if ((rc = check_service_account(policy, obs, sa, reason, msg, msglen)))
		return rc;
	if ((rc = check_namespace(policy, obs->mg.ns, reason, msg, msglen)))
		return rc;
	if (s->timeout && mgo_parse_duration(s->timeout, &timeout, err, sizeof(err)) != 0)
		return deny(reason, MGO_REASON_INVALID_SPEC, msg, msglen,
			    "spec.mustGatherTimeout: %s", err);
	if ((rc = check_upload(s, reason, msg, msglen)))
		return rc;
	if ((rc = check_storage(obs, reason, msg, msglen)))
		return rc;
	if ((rc = check_proxy(s, reason, msg, msglen)))
		return rc;
	if ((rc = check_gather_spec(s, reason, msg, msglen)))
		return rc;
	if ((rc = check_obfuscate(s, reason, msg, msglen)))
		return rc;
	rc = fill_intent(policy, s, sa, timeout, intent);
	if (rc)
		mgo_job_intent_free(intent);
	return rc;
}
