/* The controllers kube-controller-manager and apiextensions-apiserver run
 * that the API's observable behaviour depends on, run in-process and in
 * step with the writes that trigger them:
 *  - garbage collector: ownerReferences (background, foreground, orphan
 *    propagation, dangling owners, blockOwnerDeletion);
 *  - namespace lifecycle: a deleted namespace's contents are deleted before
 *    it goes; a new namespace gets its "default" ServiceAccount;
 *  - CRDs: names accepted, Established, kinds served; a deleted CRD's
 *    objects are deleted before it goes.
 * They consume the store's event window like informers would. Running them
 * before the triggering request's lock is released makes their effects
 * deterministic for tests; kube runs them asynchronously a few milliseconds
 * later, which clients must tolerate anyway. */
#ifndef TAS_CONTROLLERS_H
#define TAS_CONTROLLERS_H

#include "tas_server.h"

/* Handles every event recorded since the last call. Expects the store lock.
 * 0 or -ENOMEM. */
int tas_controllers_settle(struct tas_server *s);

#endif
