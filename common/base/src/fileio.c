/* Bounded whole-file reads: see mgo/fileio.h. */
#include "mgo/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Grows by copying rather than realloc so that no unwiped copy of a secret
 * is left behind in freed memory. */
static int grow(char **buf, size_t used, size_t *cap, size_t newcap)
{
	char *n = malloc(newcap);

	if (!n)
		return -ENOMEM;
	memcpy(n, *buf, used);
	explicit_bzero(*buf, used);
	free(*buf);
	*buf = n;
	*cap = newcap;
	return 0;
}

int mgo_file_read(const char *path, size_t max, char **buf, size_t *len,
		  char *reason, size_t reasonlen)
{
	struct stat st;
	char *b = NULL;
	size_t used = 0, cap;
	int fd = -1, rc;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK so that a FIFO planted at the path cannot hang us before
	 * fstat() refuses it; it changes nothing for regular files. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	/* The size is a hint only (the file may change under us); the read loop
	 * enforces max on what is actually read. */
	cap = (size_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1;
	if (cap < 256)
		cap = 256;
	b = malloc(cap);
	if (!b) {
		rc = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (used == cap) {
			size_t want = cap > max / 2 ? max + 1 : cap * 2;

			if (used > max) {
				rc = -EFBIG;
				goto out;
			}
			rc = grow(&b, used, &cap, want);
			if (rc)
				goto out;
		}
		n = read(fd, b + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			rc = -EFBIG;
			goto out;
		}
	}
	if (used == cap) {
		rc = grow(&b, used, &cap, used + 1);
		if (rc)
			goto out;
	}
	b[used] = '\0';
	*buf = b;
	*len = used;
	b = NULL;
	rc = 0;
out:
	if (rc && reason && reasonlen) {
		if (rc == -EFBIG)
			snprintf(reason, reasonlen, "larger than %zu bytes", max);
		else if (rc == -EINVAL)
			snprintf(reason, reasonlen, "not a regular file");
		else
			snprintf(reason, reasonlen, "%s", strerror(-rc));
	}
	if (b) {
		explicit_bzero(b, used);
		free(b);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}
