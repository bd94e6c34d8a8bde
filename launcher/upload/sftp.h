/* The transfer: libcurl's SFTP (libssh2), the server's host key checked in
 * memory against the configured known_hosts, the file written under a
 * hidden temporary name and renamed when whole, transient failures retried
 * with backoff. One JSON log line per attempt. */
#ifndef MGO_UPLOAD_SFTP_H
#define MGO_UPLOAD_SFTP_H

#include <stddef.h>

#include "tarball.h"
#include "upload_config.h"

/* Checks that libcurl's SSH backend is libssh2, the only one that calls
 * CURLOPT_SSH_HOSTKEYFUNCTION: with another the host key would go
 * unchecked. Returns MGO_UPLOAD_EXIT_OK, or MGO_UPLOAD_EXIT_USAGE with the
 * reason in msg. */
int mgo_upload_check_backend(char *msg, size_t msglen);

/* Uploads the tarball as cfg says. Returns an exit status of mgo/upload.h,
 * with the reason for the Job's log in msg. libcurl must be initialised
 * (mgo_upload_curl_init). Borrows cfg and tb. */
int mgo_upload_run(const struct mgo_upload_config *cfg, const struct mgo_upload_tarball *tb,
		   char *msg, size_t msglen);

#endif
