#include "mgo/role.h"

#include <string.h>

const char *const mgo_role_names[MGO_ROLE_N] = {
	[MGO_ROLE_SUPERVISOR] = "supervisor", [MGO_ROLE_WATCHER] = "watcher",
	[MGO_ROLE_VALIDATOR] = "validator",   [MGO_ROLE_LAUNCHER] = "launcher",
	[MGO_ROLE_HEALTH] = "health",         [MGO_ROLE_TOKENS] = "tokens",
	[MGO_ROLE_CLEAN] = "clean",
};

const char *mgo_role_name(enum mgo_role r)
{
	return (int)r > 0 && (int)r < MGO_ROLE_N ? mgo_role_names[r] : "invalid";
}

enum mgo_role mgo_role_parse(const char *name)
{
	for (int r = 1; r < MGO_ROLE_N; r++)
		if (strcmp(mgo_role_names[r], name) == 0)
			return (enum mgo_role)r;
	return 0;
}
