/* `pmtree check CONFIG`: validate, print the tree or every error. */
#include <stdio.h>

#include "cli.h"
#include "config.h"

int
cmd_check(struct cli_opts *o)
{
	struct cfg_tree *t;
	struct diag d;
	int rc;

	diag_init(&d, o->argv[1]);
	t = config_load(o->argv[1], &d);
	diag_print(&d, stderr);
	diag_free(&d);
	if (t == NULL)
		return (CLI_USAGE);
	config_print(t, stdout);
	rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAILED;
	config_free(t);
	return (rc);
}
