/*
 * TARGETs of the command line (SPEC §5): a path (`api/web`), an instance
 * (`api/web:2`), a group (`api`), or a bare name matching every child of
 * that name in any group.  "" is the whole tree.
 */
#ifndef PMTREE_TARGET_H
#define PMTREE_TARGET_H

#include <stddef.h>

#include "config.h"

#define TARGET_ALL (-1)	/* every instance */

struct target {
	const struct cfg_node	*node;
	int			 instance;	/* or TARGET_ALL */
};

/*
 * Fills OUT (of room MAX) with the matches; returns how many there are
 * (possibly more than MAX), 0 for none.
 */
size_t	target_resolve(const struct cfg_tree *, const char *spec,
	    struct target *out, size_t max);

#endif
