/* Who led when, as the launchers' logs tell it (lease.acquired and
 * lease.lost lines, launcher/lease.c), and whether the writes the test API
 * server's audit log records keep to it. The writer of a request is told
 * by its User-Agent, "mgo-launcher (IDENTITY)" (launcher/launcher.c): every
 * replica's launcher uses the same account. */
#ifndef MGO_TEST_LEADERSHIP_H
#define MGO_TEST_LEADERSHIP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Microseconds since the epoch of an RFC 3339 UTC time with an optional
 * fraction ("2026-12-07T03:20:01.123456Z"); -1 if it is not one. */
int64_t mgo_test_time_us(const char *rfc3339);

/* The JSON lines of the log at path whose "event" is `event` and, if child
 * is not NULL, whose "child" is `child`, in order: a new array. */
json_t *mgo_test_log_events(const char *path, const char *event, const char *child);

struct mgo_test_lead {
	char holder[160];
	int64_t from_us, to_us;         /* wall clock; to_us: see below */
};

/* Appends the intervals the log at path shows led (at most cap in all,
 * *n counts them). One still open at the end of the log ends at
 * open_until_us (the moment the test killed its launcher, say). */
void mgo_test_leads(const char *path, int64_t open_until_us, struct mgo_test_lead *out,
		    size_t cap, size_t *n);

/* Fails the test unless no two intervals overlap. */
void mgo_test_leads_disjoint(const struct mgo_test_lead *l, size_t n);

/* Checks every write of the launchers in the audit log at path (create,
 * update, patch, delete with the agent "mgo-launcher (...)") other than the
 * Lease's own, and fails the test unless
 *   - in the server's own order, none completed after another launcher's
 *     successful Lease write (which took the Lease over from its writer), and
 *   - each reached the server (its audit time less its latency) while its
 *     writer led by the logs, or at most grace_ms after that interval's end:
 *     a request sent before the end reaches the server's handler a moment
 *     later; none may be started after it.
 * Returns how many act writes it checked. */
size_t mgo_test_writes_fenced(const char *audit_path, const struct mgo_test_lead *l, size_t n,
			      int64_t grace_ms);

#endif
