/* The Job's API with the operator: exit statuses and the run's folder. */
#include "mgo/upload.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *mgo_upload_exit_text(int status)
{
	switch (status) {
	case MGO_UPLOAD_EXIT_OK:
		return "uploaded";
	case MGO_UPLOAD_EXIT_USAGE:
		return "the upload step was misconfigured";
	case MGO_UPLOAD_EXIT_NO_TARBALL:
		return "the gather left nothing to upload";
	case MGO_UPLOAD_EXIT_HOST_KEY:
		return "the server's host key did not match the known one";
	case MGO_UPLOAD_EXIT_AUTH:
		return "the server refused the credentials in the case management Secret";
	case MGO_UPLOAD_EXIT_UNREACHABLE:
		return "the server could not be reached (check the host and proxy)";
	case MGO_UPLOAD_EXIT_TRANSFER:
		return "the transfer did not complete";
	case MGO_UPLOAD_EXIT_PARTIAL:
		return "the gather timed out; its partial result was uploaded";
	default:
		return "unexpected failure";
	}
}

bool mgo_cluster_id_valid(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++)
		if (n >= MGO_CLUSTER_ID_MAX || !(isalnum((unsigned char)s[n]) || s[n] == '-'))
			return false;
	return n > 0;
}

int mgo_run_name(const char *cluster_id, const char *created, const char *uid, char *buf,
		 size_t len)
{
	/* YYYY-MM-DDThh:mm:ssZ: the API server's own form for creationTimestamp */
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	char when[17];
	size_t w = 0;

	if (!mgo_cluster_id_valid(cluster_id) || !created || strlen(created) != sizeof(shape) - 1 ||
	    !uid || strnlen(uid, 8) < 8)
		return -EINVAL;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)created[i]) : created[i] != shape[i])
			return -EINVAL;
		if (shape[i] == 'd' || shape[i] == 'T' || shape[i] == 'Z')
			when[w++] = created[i];
	}
	when[w] = '\0';
	for (size_t i = 0; i < 8; i++)
		if (!isalnum((unsigned char)uid[i]))
			return -EINVAL;
	if (snprintf(buf, len, MGO_RUN_NAME_PREFIX "%s.%s.%.8s", cluster_id, when, uid) >= (int)len)
		return -EINVAL;
	return 0;
}

void mgo_run_folder(const char *subpath, const char *run_name, char *buf, size_t len)
{
	bool sub = subpath && *subpath;

	snprintf(buf, len, "%s%s%s", sub ? subpath : "", sub ? "/" : "", run_name ? run_name : "");
}
