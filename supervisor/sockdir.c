#include "sockdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mgo/log.h"

/* The roles that bind a socket, each in its own directory below the
 * socket directory: the only one its sandbox lets it write. */
static const char *const binders[] = {"validator", "launcher"};

/* <dir>/<name>, made 0700 or accepted as the directory itself is. */
static int make_sub(int dirfd, const char *dir, const char *name, char *err, size_t errlen)
{
	struct stat st;
	bool made = mkdirat(dirfd, name, 0700) == 0;
	int fd, rc = 0;

	if (!made && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s/%s: %s", dir, name, strerror(-rc));
		return rc;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(-rc));
		return rc;
	}
	if ((made && fchmod(fd, 0700) != 0) || fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(-rc));
	} else if (st.st_uid != geteuid() || (st.st_mode & 07777) != 0700) {
		rc = -EPERM;
		snprintf(err, errlen, "%s/%s is not a 0700 directory of uid %u", dir, name,
			 (unsigned)geteuid());
	}
	close(fd);
	return rc;
}

int mgo_sockdir_make(const char *dir, bool *created, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc = 0;

	*created = false;
	if (mkdir(dir, 0700) == 0) {
		*created = true;
	} else if (errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "cannot create socket directory %s: %s", dir, strerror(-rc));
		return rc;
	}
	/* checked through a descriptor, so what is checked is what was opened */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)) {
			rc = -ELOOP;
			snprintf(err, errlen, "socket directory %s is a symbolic link", dir);
		} else {
			snprintf(err, errlen, "socket directory %s: %s", dir, strerror(-rc));
		}
		return rc;
	}
	/* umask may have taken bits from a directory made just now; ours to set */
	if (*created && fchmod(fd, 0700) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot chmod socket directory %s: %s", dir, strerror(-rc));
	} else if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "socket directory %s: %s", dir, strerror(-rc));
	} else if (st.st_uid != geteuid()) {
		rc = -EPERM;
		snprintf(err, errlen, "socket directory %s is owned by uid %u, not by us (%u)", dir,
			 (unsigned)st.st_uid, (unsigned)geteuid());
	} else if ((st.st_mode & 07777) != 0700) {
		rc = -EPERM;
		snprintf(err, errlen, "socket directory %s has mode %04o, not 0700", dir,
			 (unsigned)(st.st_mode & 07777));
	}
	for (size_t i = 0; !rc && i < sizeof(binders) / sizeof(binders[0]); i++)
		rc = make_sub(fd, dir, binders[i], err, errlen);
	close(fd);
	return rc;
}

void mgo_sockdir_clean(const char *dir, bool created)
{
	char path[4096];

	for (size_t i = 0; i < sizeof(binders) / sizeof(binders[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s/socket", dir, binders[i]);
		if (unlink(path) != 0 && errno != ENOENT)
			mgo_warn("sockdir.clean", "cannot remove %s: %s", path, strerror(errno));
		snprintf(path, sizeof(path), "%s/%s", dir, binders[i]);
		if (rmdir(path) != 0 && errno != ENOENT)
			mgo_warn("sockdir.clean", "cannot remove %s: %s", path, strerror(errno));
	}
	if (created && rmdir(dir) != 0)
		mgo_warn("sockdir.clean", "cannot remove %s: %s", dir, strerror(errno));
}
