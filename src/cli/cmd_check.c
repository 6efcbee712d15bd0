/*
 * `pmtree check CONFIG`: validate, print the tree or every error, with the
 * warnings about what will fail at run time among them.  The warnings of a
 * file with errors come from what could still be read of it.
 */
#include <stdio.h>

#include "cfgwarn.h"
#include "cli.h"
#include "config.h"

static int
cmd_check(struct cli_opts *o, const struct cmd_entry *self)
{
	struct cfg_tree *t;
	struct diag d;
	bool valid;
	int rc;

	diag_init(&d, o->argv[1]);
	if ((t = config_load_draft(o->argv[1], &d, &valid)) != NULL)
		cfgwarn_tree(t, &d);
	diag_print(&d, stderr);
	diag_free(&d);
	if (!valid) {
		config_free(t);
		return (CLI_USAGE);
	}
	config_print(t, stdout);
	rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAILED;
	config_free(t);
	return (rc);
}

const struct cmd_entry cmd_check_entry = {
	.ctl = { .name = "check" },
	.min_args = 1,
	.max_args = 1,
	.usage = "check CONFIG",
	.help = "Validates CONFIG and prints the tree it would run (exit 0), or\n"
	    "prints every error as FILE:LINE:COL: message (exit 2).",
	.exec = cmd_check,
};
