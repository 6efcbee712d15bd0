/*
 * Command dispatch, usage and help.  Every command of SPEC §5 is in the
 * table; a missing argument is a usage error caught here, before anything
 * contacts a tree.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/*
 * The table: a command is its file and its line here, in the order
 * `pmtree --help` lists them.  The line both declares the file's entry,
 * cmd_NAME_entry, and puts it in the table.
 */
#define CMD_TABLE(X)	\
	X(run)		\
	X(check)	\
	X(status)	\
	X(start)	\
	X(stop)		\
	X(restart)	\
	X(signal)	\
	X(scale)	\
	X(logs)		\
	X(reload)	\
	X(shutdown)

#define CMD_EXTERN(n)	extern const struct cmd_entry cmd_##n##_entry;
#define CMD_POINTER(n)	&cmd_##n##_entry,
CMD_TABLE(CMD_EXTERN)

const struct cmd_entry *const cmd_table[] = { CMD_TABLE(CMD_POINTER) NULL };

const struct cmd_entry *
cmd_find(const char *name)
{
	const struct cmd_entry *const *e;

	for (e = cmd_table; *e != NULL; e++) {
		if (strcmp((*e)->ctl.name, name) == 0)
			return (*e);
	}
	return (NULL);
}

const struct ctl_cmd *
cmd_find_ctl(const char *name)
{
	const struct cmd_entry *e = cmd_find(name);

	return (e != NULL ? &e->ctl : NULL);
}

static void
usage(FILE *f)
{
	const struct cmd_entry *const *e;

	fprintf(f, "usage: pmtree [-S SOCKET | -f CONFIG] COMMAND [ARGS]\n"
	    "       pmtree --version | --help | help COMMAND\n\ncommands:\n");
	for (e = cmd_table; *e != NULL; e++)
		fprintf(f, "  pmtree %s\n", (*e)->usage);
	fprintf(f, "\nEvery command but run and check talks to a running tree:"
	    " the one at\n-S SOCKET, or the one CONFIG describes (-f), else "
	    "$PMTREE_SOCKET, else the\nonly tree running in "
	    "$XDG_RUNTIME_DIR/pmtree (or /tmp/pmtree-<uid>).\n");
}

static int
cmd_help(int argc, char **argv)
{
	const struct cmd_entry *c;

	if (argc < 2) {
		usage(stdout);
		return (CLI_OK);
	}
	if ((c = cmd_find(argv[1])) == NULL) {
		fprintf(stderr, "pmtree: help: unknown command: %s\n", argv[1]);
		return (CLI_USAGE);
	}
	printf("usage: pmtree %s\n\n%s\n", c->usage, c->help);
	return (CLI_OK);
}

int
cli_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "socket", required_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_opts o = { .full_argc = argc, .full_argv = argv };
	const struct cmd_entry *c;
	int ch, nargs;

	/* "+": stop at the command, whose own options follow it. */
	while ((ch = getopt_long(argc, argv, "+S:f:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'S':
			o.socket = optarg;
			break;
		case 'f':
			o.config = optarg;
			break;
		case 'V':
			printf("pmtree %s\n", PMTREE_VERSION);
			return (CLI_OK);
		case 'h':
			usage(stdout);
			return (CLI_OK);
		default:
			usage(stderr);
			return (CLI_USAGE);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return (CLI_USAGE);
	}
	if (o.socket != NULL && o.config != NULL) {
		fprintf(stderr, "pmtree: -S and -f both name the tree: give one\n");
		usage(stderr);
		return (CLI_USAGE);
	}
	o.argc = argc - optind;
	o.argv = argv + optind;
	if (strcmp(o.argv[0], "help") == 0)
		return (cmd_help(o.argc, o.argv));
	if ((c = cmd_find(o.argv[0])) == NULL) {
		fprintf(stderr, "pmtree: unknown command: %s\n", o.argv[0]);
		usage(stderr);
		return (CLI_USAGE);
	}
	/* run and check read their CONFIG; -f is for the commands that do not. */
	if (o.config != NULL && c->ctl.handler == NULL) {
		fprintf(stderr, "pmtree: %s: -f is for the commands that talk to "
		    "a running tree\nusage: pmtree %s\n", c->ctl.name, c->usage);
		return (CLI_USAGE);
	}
	nargs = o.argc - 1;
	if (nargs < c->min_args || nargs > c->max_args) {
		fprintf(stderr, "pmtree: %s: %s\nusage: pmtree %s\n", c->ctl.name,
		    nargs < c->min_args ? "missing argument" : "too many arguments",
		    c->usage);
		return (CLI_USAGE);
	}
	optind = 0;	/* let the command parse its own options */
	return (c->exec(&o, c));
}
