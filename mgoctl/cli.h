/* mgoctl's command table and the argument handling every subcommand shares. */
#ifndef MGOCTL_CLI_H
#define MGOCTL_CLI_H

#include <stdbool.h>
#include <stdio.h>

enum {
	MGOCTL_EXIT_OK = 0,
	MGOCTL_EXIT_FAIL = 1,   /* the command ran and found something wrong */
	MGOCTL_EXIT_USAGE = 2,  /* bad arguments, or output could not be written */
};

struct mgoctl_cmd {
	const char *name;
	const char *operands;   /* as shown in usage, e.g. "REF..." */
	int min_operands;
	const char *summary;    /* one line */
	/* argv[0] is the subcommand's name; returns an exit code. */
	int (*run)(const struct mgoctl_cmd *self, int argc, char **argv);
};

/* Finds the subcommand named by argv[1] and runs it. "mgoctl -h|--help"
 * prints the usage on stdout (exit 0); no subcommand or an unknown one
 * prints it on stderr (exit 2). */
int mgoctl_dispatch(const struct mgoctl_cmd *cmds, int ncmds, int argc, char **argv);

/* Skips a subcommand's options: -h/--help prints its usage on stdout, "--"
 * ends the options, anything else starting with '-', or fewer operands than
 * self->min_operands, is a usage error. Returns -1 with *first set to the
 * index of the first operand, or the exit code the subcommand should return. */
int mgoctl_operands(const struct mgoctl_cmd *self, int argc, char **argv, int *first);

/* Ends a subcommand: flushes stdout and turns a write error into
 * MGOCTL_EXIT_USAGE with a message on stderr; otherwise returns code. */
int mgoctl_finish(int code);

/* Writes s with every byte that is not printable ASCII, and the space and
 * backslash, as \xNN, so each argument stays one token on one line. */
void mgoctl_put_escaped(FILE *f, const char *s);

/* Subcommands. */
int mgoctl_image(const struct mgoctl_cmd *self, int argc, char **argv);
int mgoctl_ipc(const struct mgoctl_cmd *self, int argc, char **argv);
int mgoctl_permissions(const struct mgoctl_cmd *self, int argc, char **argv);

#endif
