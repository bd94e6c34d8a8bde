/* Bounded whole-file reads for configuration and credential files. */
#ifndef MGO_FILEIO_H
#define MGO_FILEIO_H

#include <stddef.h>

/* Reads the regular file at path, at most max bytes, into a new NUL-ended
 * buffer: *buf is owned by the caller, *len excludes the NUL. The file may
 * hold a secret, so every intermediate copy is wiped before it is freed;
 * callers wipe *buf themselves when it held one.
 * Returns 0, or -EFBIG (larger than max), -EINVAL (not a regular file: a FIFO
 * would block, a directory cannot be read), -ENOMEM, or -errno from open/read;
 * reason (may be NULL) receives a short text without the path, for the
 * caller's message. On failure *buf is NULL. */
int mgo_file_read(const char *path, size_t max, char **buf, size_t *len,
		  char *reason, size_t reasonlen);

#endif
