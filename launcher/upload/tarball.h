/* The gather's result as the upload step finds it: the completion marker
 * says how the gather ended, and only a 0 there lets the tarball go. */
#ifndef MGO_UPLOAD_TARBALL_H
#define MGO_UPLOAD_TARBALL_H

#include <stddef.h>
#include <sys/types.h>

struct mgo_upload_tarball {
	int fd;     /* owned; -1 when closed */
	off_t size;
};

/* Checks <result_dir>/.mgo-gather-done says 0 and opens the tarball beside
 * it. Returns MGO_UPLOAD_EXIT_OK, or MGO_UPLOAD_EXIT_NO_TARBALL with what
 * was missing in msg. The caller closes tb->fd with mgo_upload_tarball_close. */
int mgo_upload_tarball_open(const char *result_dir, struct mgo_upload_tarball *tb, char *msg,
			    size_t msglen);

void mgo_upload_tarball_close(struct mgo_upload_tarball *tb);

#endif
