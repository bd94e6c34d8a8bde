/* mgoctl: the operator's command-line tool. One line per subcommand. */
#include "cli.h"

static const struct mgoctl_cmd commands[] = {
	{ "image", "REF...", 1, "check image references and print their canonical form", mgoctl_image },
	{ "ipc", "[--trace UID | --mg NS/NAME] [FILE|-]", 0,
	  "print the IPC log of the operator's processes as a timeline", mgoctl_ipc },
	{ "permissions", "[--deploy DIR] [--config FILE]", 0,
	  "print what each process may do (API, token, sandbox) as Markdown", mgoctl_permissions },
};

int main(int argc, char **argv)
{
	return mgoctl_dispatch(commands, (int)(sizeof(commands) / sizeof(commands[0])), argc, argv);
}
