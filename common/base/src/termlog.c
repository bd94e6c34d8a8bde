/* See mgo/termlog.h. */
#include "mgo/termlog.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "mgo/log.h"

int mgo_termlog_open(const char *path)
{
	return open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
}

void mgo_termlog_put(int fd, const char *msg)
{
	if (fd < 0)
		return;
	if (dprintf(fd, "%s\n", msg) < 0)
		mgo_warn("termination_log", "writing the termination message: %m");
	close(fd);
}
