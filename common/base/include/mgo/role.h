/* The operator's processes: one enum every module uses for them. */
#ifndef MGO_ROLE_H
#define MGO_ROLE_H

/* The processes of the operator; a heartbeat says which one is alive. */
enum mgo_role {
	MGO_ROLE_SUPERVISOR = 1,
	MGO_ROLE_WATCHER,
	MGO_ROLE_VALIDATOR,
	MGO_ROLE_LAUNCHER,
	MGO_ROLE_HEALTH,        /* serves probes and metrics; no IPC keys */
	MGO_ROLE_TOKENS,        /* mints the roles' API tokens; no IPC keys */
	/* mgo-clean, the Job's obfuscation step: not supervised, no keys; a
	 * role for its sandbox (one tree read, one tree written) */
	MGO_ROLE_CLEAN,
};

/* The roles that talk over IPC, with keys, are MGO_ROLE_WATCHER up to this. */
#define MGO_IPC_ROLE_MAX MGO_ROLE_LAUNCHER

/* Wire and log names by value; [0] is NULL (no role). */
#define MGO_ROLE_N (MGO_ROLE_CLEAN + 1)
extern const char *const mgo_role_names[MGO_ROLE_N];

/* "supervisor", "watcher", ...; "invalid" for values outside the enum. */
const char *mgo_role_name(enum mgo_role r);

/* The role named `name`, or 0. */
enum mgo_role mgo_role_parse(const char *name);

#endif
