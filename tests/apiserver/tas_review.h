/* The review kinds that are answered, never stored: SelfSubjectAccessReview
 * (kubectl auth can-i), SubjectAccessReview and SelfSubjectReview
 * (kubectl auth whoami). Expects the store lock. */
#ifndef TAS_REVIEW_H
#define TAS_REVIEW_H

#include <jansson.h>

#include "tas_server.h"

/* body is the decoded request (borrowed); fills resp (201 and the review
 * with its status, or an error). 0 or -ENOMEM. */
int tas_review(struct tas_server *s, const struct tas_restype *rt, const struct tas_user *u,
	       const json_t *body, struct tas_resp *resp);

#endif
