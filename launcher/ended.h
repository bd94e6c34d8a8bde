/* The Jobs of ours that have ended, as the launcher's own watch of the Jobs
 * it made shows them: enough for a finish or cleanup act's Job check
 * (docs/monitor.md) without a GET when the watch has already seen the end.
 *
 * Kept from the launcher's own connection to the API, never from a peer.
 * An ended Job stays ended (Complete and Failed are terminal), so a record
 * can be late but not wrong about the outcome; what can change after it
 * (the Job deleted, its owner reference edited) the watch reports, and the
 * delete that follows carries the Job's UID as a precondition. A record
 * lives until its Job is deleted: the set holds as many entries as there
 * are ended Jobs controlled by a MustGather not yet deleted (retained ones
 * included). */
#ifndef MGO_LAUNCHER_ENDED_H
#define MGO_LAUNCHER_ENDED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "mgo/types.h"

struct mgo_ended_job {
	const char *uid, *ns, *name;
	const char *controller;         /* the controlling MustGather's UID */
	enum mgo_job_phase phase;       /* MGO_JOB_SUCCEEDED or MGO_JOB_FAILED */
};

struct mgo_ended_rec;

struct mgo_ended {
	struct mgo_ended_rec *by_uid;
	size_t n;
};

/* Records what a Job (core JSON, borrowed) says: an ended one is kept (or
 * replaced), a running one, one being deleted or one `gone` is forgotten.
 * A Job whose namespace, name, UID or owners cannot be read, or that no
 * MustGather controls, is forgotten too (its acts take the GET). 0 or
 * -ENOMEM (the set then lacks it). */
int mgo_ended_note(struct mgo_ended *s, const json_t *job, bool gone);

/* The record of the Job with UID `uid`, valid until the next note or clear;
 * false when there is none. */
bool mgo_ended_find(const struct mgo_ended *s, const char *uid, struct mgo_ended_job *out);

void mgo_ended_clear(struct mgo_ended *s);

#endif
