#include "policy.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "mgo/backoff.h"

const enum mgo_role mgo_sup_start_order[MGO_SUP_CHILDREN] = {
	MGO_ROLE_HEALTH, MGO_ROLE_TOKENS, MGO_ROLE_VALIDATOR, MGO_ROLE_LAUNCHER, MGO_ROLE_WATCHER,
};
const enum mgo_role mgo_sup_stop_order[MGO_SUP_CHILDREN] = {
	MGO_ROLE_WATCHER, MGO_ROLE_VALIDATOR, MGO_ROLE_LAUNCHER, MGO_ROLE_TOKENS, MGO_ROLE_HEALTH,
};

unsigned mgo_sup_needs(enum mgo_role role)
{
	switch (role) {
	case MGO_ROLE_LAUNCHER:
	case MGO_ROLE_WATCHER:
		return 1u << MGO_ROLE_TOKENS;
	default:
		return 0;
	}
}

unsigned mgo_sup_peers_of(enum mgo_role role)
{
	switch (role) {
	case MGO_ROLE_WATCHER:
		return 1u << MGO_ROLE_VALIDATOR;  /* the server it connects to */
	case MGO_ROLE_VALIDATOR:
		/* the one client it accepts, the server it connects to */
		return 1u << MGO_ROLE_WATCHER | 1u << MGO_ROLE_LAUNCHER;
	case MGO_ROLE_LAUNCHER:
		return 1u << MGO_ROLE_VALIDATOR;  /* the one client it accepts */
	default:
		return 0;
	}
}

uint64_t mgo_sup_restart_delay(const struct mgo_cfg_supervisor *c, unsigned failures,
			       uint64_t rnd)
{
	return mgo_backoff_delay(c->restart_delay_ms, c->restart_delay_max_ms,
				 failures > 0 ? failures - 1 : 0, rnd);
}

bool mgo_sup_gives_up(const struct mgo_cfg_supervisor *c, unsigned failures)
{
	return failures > c->crash_loop_limit;
}

const char *mgo_sup_describe_exit(int wstatus, char *buf, size_t len)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus) && sigabbrev_np(WTERMSIG(wstatus)))
		snprintf(buf, len, "killed by SIG%s", sigabbrev_np(WTERMSIG(wstatus)));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(wstatus));
	else
		snprintf(buf, len, "wait status %#x", wstatus);
	return buf;
}
