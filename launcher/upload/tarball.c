/* Finding the gather's result; see tarball.h. */
#include "tarball.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job.h"
#include "mgo/upload.h"
#include "upload_config.h"

/* The gather script writes "<status>\n"; anything longer is not ours. */
#define MARKER_MAX 16

#define no_tarball(msg, msglen, ...)                                                            \
	mgo_upload_fail(MGO_UPLOAD_EXIT_NO_TARBALL, msg, msglen, __VA_ARGS__)

/* Reads the gather's exit status from the marker into *status. */
static int read_marker(const char *path, long *status, char *msg, size_t msglen)
{
	char buf[MARKER_MAX + 1], *end;
	ssize_t n;
	int fd, ret = MGO_UPLOAD_EXIT_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return no_tarball(msg, msglen,
				  errno == ENOENT ? "no completion marker %s: the gather did not finish"
						  : "cannot open the completion marker %s: %m",
				  path);
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		ret = no_tarball(msg, msglen, "cannot read the completion marker %s: %m", path);
		goto out;
	}
	buf[n] = '\0';
	errno = 0;
	*status = strtol(buf, &end, 10);
	if (n > MARKER_MAX || end == buf || errno || (*end && strcmp(end, "\n") != 0))
		ret = no_tarball(msg, msglen, "the completion marker %s holds no exit status", path);
out:
	close(fd);
	return ret;
}

int mgo_upload_tarball_open(const char *result_dir, struct mgo_upload_tarball *tb, char *msg,
			    size_t msglen)
{
	char marker[PATH_MAX], path[PATH_MAX];
	struct stat st;
	long status = -1;
	int ret;

	tb->fd = -1;
	tb->size = 0;
	tb->partial = false;
	if (snprintf(marker, sizeof(marker), "%s/%s", result_dir, MGO_DONE_MARKER) >=
		    (int)sizeof(marker) ||
	    snprintf(path, sizeof(path), "%s/%s", result_dir, MGO_TARBALL) >= (int)sizeof(path))
		return no_tarball(msg, msglen, "the result directory path is too long");
	ret = read_marker(marker, &status, msg, msglen);
	if (ret != MGO_UPLOAD_EXIT_OK)
		return ret;
	/* a timed-out gather packs what it wrote before (launcher/job.h) */
	tb->partial = status == MGO_GATHER_EXIT_TIMEOUT;
	if (status != 0 && !tb->partial)
		return no_tarball(msg, msglen, "the gather failed with exit status %ld: nothing to upload",
				  status);
	tb->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (tb->fd < 0)
		return no_tarball(msg, msglen,
				  errno == ENOENT ? (tb->partial ? "the gather timed out and left no "
								   "tarball %s"
								 : "the gather succeeded but left no "
								   "tarball %s")
						  : "cannot open the tarball %s: %m",
				  path);
	if (fstat(tb->fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		mgo_upload_tarball_close(tb);
		return no_tarball(msg, msglen, "the tarball %s is not a non-empty regular file", path);
	}
	tb->size = st.st_size;
	return MGO_UPLOAD_EXIT_OK;
}

void mgo_upload_tarball_close(struct mgo_upload_tarball *tb)
{
	if (tb->fd >= 0)
		close(tb->fd);
	tb->fd = -1;
}
