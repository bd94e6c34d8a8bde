/* The kubelet's termination message of a Job's container, which the
 * MustGather's condition quotes (launcher/job.h): mgo-upload and mgo-clean
 * write their last message there. Absent outside a pod, and never created:
 * a stray file is not made on a developer's machine. */
#ifndef MGO_TERMLOG_H
#define MGO_TERMLOG_H

#define MGO_TERMINATION_LOG "/dev/termination-log"

/* Opens path (MGO_TERMINATION_LOG) for writing, truncated, without
 * following a symlink and without creating it: a descriptor, or -1 when it
 * cannot be (absent outside a pod). A program whose sandbox will hide the
 * file opens it before. */
int mgo_termlog_open(const char *path);

/* Writes msg and a newline to fd (from mgo_termlog_open, may be -1: nothing
 * happens) and closes it; a failed write is logged. */
void mgo_termlog_put(int fd, const char *msg);

#endif
