/* What the Kubernetes client leaves out of the bodies it parses (mgo/kube.h,
 * "What a response leaves out"), in one table for the responses
 * (kube_retry.c) and the watch events (informer.c); not public API. */
#ifndef MGO_KUBE_UNREAD_H
#define MGO_KUBE_UNREAD_H

#include <stdbool.h>

enum mgo_kube__body {
	MGO_KUBE__OBJECT,       /* a response of one object (or a Status) */
	MGO_KUBE__LIST,         /* a List: each of its items */
	MGO_KUBE__EVENT,        /* a watch event: its object */
};

/* The paths, for mgo_json_prune_paths, of what no reader of such a body
 * looks at: metadata.managedFields always, the spec too when spec_unread. */
const char *const *const *mgo_kube__unread(enum mgo_kube__body body, bool spec_unread);

#endif
