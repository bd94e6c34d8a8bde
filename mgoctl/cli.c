/* Argument handling shared by mgoctl's subcommands. Hand-written: getopt
 * would add nothing for "-h, --help, --" and would permute operands. */
#include "cli.h"

#include <string.h>

static bool is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static void usage(FILE *f, const struct mgoctl_cmd *cmds, int ncmds)
{
	fputs("usage: mgoctl COMMAND [ARG...]\n\ncommands:\n", f);
	for (int i = 0; i < ncmds; i++)
		fprintf(f, "  %s %s\n      %s\n", cmds[i].name, cmds[i].operands, cmds[i].summary);
	fputs("\nexit status: 0 success, 1 the command found a problem, 2 usage or output error\n", f);
}

static void cmd_usage(FILE *f, const struct mgoctl_cmd *cmd)
{
	fprintf(f, "usage: mgoctl %s [--] %s\n%s\n", cmd->name, cmd->operands, cmd->summary);
}

int mgoctl_dispatch(const struct mgoctl_cmd *cmds, int ncmds, int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr, cmds, ncmds);
		return MGOCTL_EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		usage(stdout, cmds, ncmds);
		return mgoctl_finish(MGOCTL_EXIT_OK);
	}
	for (int i = 0; i < ncmds; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(&cmds[i], argc - 1, argv + 1);
	fputs("mgoctl: unknown command \"", stderr);
	mgoctl_put_escaped(stderr, argv[1]);
	fputs("\"\n", stderr);
	usage(stderr, cmds, ncmds);
	return MGOCTL_EXIT_USAGE;
}

int mgoctl_operands(const struct mgoctl_cmd *self, int argc, char **argv, int *first)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (is_help(argv[i])) {
			cmd_usage(stdout, self);
			return mgoctl_finish(MGOCTL_EXIT_OK);
		}
		fprintf(stderr, "mgoctl %s: unknown option \"", self->name);
		mgoctl_put_escaped(stderr, argv[i]);
		fputs("\"\n", stderr);
		cmd_usage(stderr, self);
		return MGOCTL_EXIT_USAGE;
	}
	if (argc - i < self->min_operands) {
		fprintf(stderr, "mgoctl %s: missing %s\n", self->name, self->operands);
		cmd_usage(stderr, self);
		return MGOCTL_EXIT_USAGE;
	}
	*first = i;
	return -1;
}

/* stdio's error flag is sticky, so this one check covers every write the
 * subcommand made to stdout. */
int mgoctl_finish(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("mgoctl: writing output");
		return MGOCTL_EXIT_USAGE;
	}
	return code;
}

void mgoctl_put_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p > ' ' && *p < 0x7f && *p != '\\')
			fputc(*p, f);
		else
			fprintf(f, "\\x%02x", *p);
	}
}
