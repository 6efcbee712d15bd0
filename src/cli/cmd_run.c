/* `pmtree run [-d] [--stdout] CONFIG` */
#include <getopt.h>
#include <stdio.h>

#include "cfgwarn.h"
#include "cli.h"
#include "config.h"
#include "proctitle.h"
#include "root.h"

int
cmd_run(struct cli_opts *o)
{
	static const struct option longopts[] = {
		{ "stdout", no_argument, NULL, 's' },
		{ "daemon", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct root_opts ro = { 0 };
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
			fprintf(stderr, "usage: pmtree run [-d] [--stdout] CONFIG\n");
			return (CLI_USAGE);
		}
	}
	if (optind != o->argc - 1) {
		fprintf(stderr, "pmtree: run: %s\nusage: pmtree run [-d] [--stdout] CONFIG\n",
		    optind >= o->argc ? "missing CONFIG" : "too many arguments");
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
