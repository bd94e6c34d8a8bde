/* The Job's API with the operator: exit statuses and the run's folder. */
#include "mgo/upload.h"

#include <stdbool.h>
#include <stdio.h>

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

void mgo_run_folder(const char *subpath, const char *mg_name, const char *mg_uid, char *buf,
		    size_t len)
{
	bool sub = subpath && *subpath;

	snprintf(buf, len, "%s%s%s-%.8s", sub ? subpath : "", sub ? "/" : "",
		 mg_name ? mg_name : "", mg_uid ? mg_uid : "");
}
