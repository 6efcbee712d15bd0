/*
 * Command dispatch, usage and help.  Every command of SPEC §5 is in the
 * table; a missing argument is a usage error caught here, before anything
 * contacts a tree.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct command {
	const char	*name;
	int		 (*fn)(struct cli_opts *);
	int		  min_args;	/* after the command's name */
	int		  max_args;
	const char	*usage;
	const char	*help;
};


static const struct command commands[] = {
	{ "run", cmd_run, 1, 3, "run [-d] [--stdout] CONFIG",
	  "Runs the tree described by CONFIG in the foreground (or detached\n"
	  "with -d) until TERM, INT or `pmtree shutdown`.  --stdout echoes every\n"
	  "worker's lines to standard output.  Exits 0 after a graceful stop,\n"
	  "3 when the root supervisor gave up, 2 on a config error." },
	{ "check", cmd_check, 1, 1, "check CONFIG",
	  "Validates CONFIG and prints the tree it would run (exit 0), or\n"
	  "prints every error as FILE:LINE:COL: message (exit 2)." },
	{ "status", cmd_status, 0, 2, "status [TARGET] [--json]",
	  "Shows the live tree (or TARGET's subtree): state, pid, uptime,\n"
	  "restarts, memory, CPU, readiness and last exit." },
	{ "start", cmd_act, 1, 1, "start TARGET",
	  "Starts a stopped worker, instance or group." },
	{ "stop", cmd_act, 1, 1, "stop TARGET",
	  "Stops a worker, instance or group; it stays stopped until started." },
	{ "restart", cmd_act, 1, 1, "restart TARGET",
	  "Stops then starts a worker, instance or group." },
	{ "signal", cmd_signal, 2, 3, "signal TARGET SIGNAL [--group]",
	  "Sends SIGNAL to the worker's main process (--group: its process\n"
	  "group); on a group, to every worker below it." },
	{ "scale", cmd_scale, 2, 2, "scale TARGET N",
	  "Runs N instances of a worker (N >= 1)." },
	{ "logs", cmd_logs, 0, 5, "logs [TARGET] [-f] [-n N] [--raw | --json]",
	  "Prints the last N lines (default 20) of the target's logs; -f follows\n"
	  "new ones and exits 0 once the tree stops.  --raw prints only the\n"
	  "workers' lines, byte for byte; --json one JSON record a line\n"
	  "({\"ts\",\"name\",\"stream\",\"line\"}), whatever the files' format.\n"
	  "Both leave pmtree.log's events out." },
	{ "reload", cmd_reload, 0, 0, "reload",
	  "Re-reads the YAML file and applies the difference to the live tree." },
	{ "shutdown", cmd_shutdown, 0, 0, "shutdown",
	  "Stops the whole tree gracefully; returns when it is down." },
};

static const struct command *
command_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0)
			return (&commands[i]);
	}
	return (NULL);
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: pmtree [-S SOCKET | -f CONFIG] COMMAND [ARGS]\n"
	    "       pmtree --version | --help | help COMMAND\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  pmtree %s\n", commands[i].usage);
	fprintf(f, "\nEvery command but run and check talks to a running tree:"
	    " the one at\n-S SOCKET, or the one CONFIG describes (-f), else "
	    "$PMTREE_SOCKET, else the\nonly tree running in "
	    "$XDG_RUNTIME_DIR/pmtree (or /tmp/pmtree-<uid>).\n");
}

/* run and check read their CONFIG; -f is for the commands that do not. */
static bool
command_is_local(const struct command *c)
{
	return (c->fn == cmd_run || c->fn == cmd_check);
}

static int
cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stdout);
		return (CLI_OK);
	}
	if ((c = command_find(argv[1])) == NULL) {
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
	const struct command *c;
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
	if ((c = command_find(o.argv[0])) == NULL) {
		fprintf(stderr, "pmtree: unknown command: %s\n", o.argv[0]);
		usage(stderr);
		return (CLI_USAGE);
	}
	if (o.config != NULL && command_is_local(c)) {
		fprintf(stderr, "pmtree: %s: -f is for the commands that talk to "
		    "a running tree\nusage: pmtree %s\n", c->name, c->usage);
		return (CLI_USAGE);
	}
	nargs = o.argc - 1;
	if (nargs < c->min_args || nargs > c->max_args) {
		fprintf(stderr, "pmtree: %s: %s\nusage: pmtree %s\n", c->name,
		    nargs < c->min_args ? "missing argument" : "too many arguments",
		    c->usage);
		return (CLI_USAGE);
	}
	optind = 0;	/* let the command parse its own options */
	return (c->fn(&o));
}
