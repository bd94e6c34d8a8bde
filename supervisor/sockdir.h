/* The private directory of the IPC sockets: only the operator's own user may
 * even look into it, which is the first fence around the sockets (CURVE is
 * the second). */
#ifndef MGO_SUP_SOCKDIR_H
#define MGO_SUP_SOCKDIR_H

#include <stdbool.h>
#include <stddef.h>

/* Creates dir with mode 0700, or accepts an existing one only if it is a
 * real directory (not a symlink) owned by our effective uid with mode 0700:
 * anything else could be someone else's, so the supervisor refuses to run.
 * The same for dir/validator and dir/launcher, where those roles bind their
 * sockets (each the only directory its role's sandbox may write: neither
 * can unlink or replace the other's socket). The parent must exist.
 * *created says whether dir was made now. Returns 0, or a negative errno
 * with err saying what is wrong. */
int mgo_sockdir_make(const char *dir, bool *created, char *err, size_t errlen);

/* Removes the socket files the children bind there (a child killed with
 * SIGKILL leaves its own behind) and their directories, and dir itself if
 * `created`. */
void mgo_sockdir_clean(const char *dir, bool created);

#endif
