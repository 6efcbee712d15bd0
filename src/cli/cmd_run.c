/* `pmtree run [-d] [--stdout] CONFIG` */
#include <getopt.h>
#include <stdio.h>

#include "cfgwarn.h"
#include "cli.h"
#include "config.h"
#include "proctitle.h"
#include "root.h"

static int
cmd_run(struct cli_opts *o, const struct cmd_entry *self)
{
	static const struct option longopts[] = {
		{ "stdout", no_argument, NULL, 's' },
		{ "daemon", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct root_opts ro = { .find = cmd_find_ctl };
	struct cfg_tree *t;
	struct diag d;
	int ch, rc;

	while ((ch = getopt_long(o->argc, o->argv, "d", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			ro.daemon = true;
			break;
		case 's':
			ro.to_stdout = true;
			break;
		default:
			fprintf(stderr, "usage: pmtree %s\n", self->usage);
			return (CLI_USAGE);
		}
	}
	if (optind != o->argc - 1) {
		fprintf(stderr, "pmtree: run: %s\nusage: pmtree %s\n",
		    optind >= o->argc ? "missing CONFIG" : "too many arguments",
		    self->usage);
		return (CLI_USAGE);
	}
	diag_init(&d, o->argv[optind]);
	/* The warnings of `check` too: they never stop a run. */
	if ((t = config_load(o->argv[optind], &d)) != NULL)
		cfgwarn_tree(t, &d);
	diag_print(&d, stderr);
	diag_free(&d);
	if (t == NULL)
		return (CLI_USAGE);
	proctitle_init(o->full_argc, o->full_argv);
	rc = root_run(t, &ro);
	config_free(t);
	return (rc);
}

const struct cmd_entry cmd_run_entry = {
	.ctl = { .name = "run" },
	.min_args = 1,
	.max_args = 3,
	.usage = "run [-d] [--stdout] CONFIG",
	.help = "Runs the tree described by CONFIG in the foreground (or detached\n"
	    "with -d) until TERM, INT or `pmtree shutdown`.  --stdout echoes every\n"
	    "worker's lines to standard output.  Exits 0 after a graceful stop,\n"
	    "3 when the root supervisor gave up, 2 on a config error.",
	.exec = cmd_run,
};
