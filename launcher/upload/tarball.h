/* The gather's result as the upload step finds it: the completion marker
 * says how the gather ended: a 0 lets the tarball go, and so does a 124
 * (the timeout), as a partial result. */
#ifndef MGO_UPLOAD_TARBALL_H
#define MGO_UPLOAD_TARBALL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct mgo_upload_tarball {
	int fd;     /* owned; -1 when closed */
	off_t size;
	bool partial; /* the marker says the gather timed out (124) */
};

/* Checks <result_dir>/.mgo-gather-done says 0 or 124 (then sets
 * tb->partial) and opens the tarball beside it. Returns MGO_UPLOAD_EXIT_OK, or MGO_UPLOAD_EXIT_NO_TARBALL with what
 * was missing in msg. The caller closes tb->fd with mgo_upload_tarball_close. */
int mgo_upload_tarball_open(const char *result_dir, struct mgo_upload_tarball *tb, char *msg,
			    size_t msglen);

void mgo_upload_tarball_close(struct mgo_upload_tarball *tb);

#endif
