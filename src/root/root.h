/* The root supervisor: the process `pmtree run` starts. */
#ifndef PMTREE_ROOT_H
#define PMTREE_ROOT_H

#include <stdbool.h>

#include "command.h"
#include "config.h"

struct root_opts {
	bool		 daemon;	/* -d: detach once the tree is up */
	bool		 to_stdout;	/* --stdout */
	ctl_find_fn	*find;		/* the table of commands, one layer up */
};

/* Runs the tree until it stops; returns `pmtree run`'s exit code. */
int	root_run(const struct cfg_tree *, const struct root_opts *);

#endif
