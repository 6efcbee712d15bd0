/*
 * A child group's supervisor process.  It is forked, not exec'd: it starts
 * with the parsed, immutable tree already in memory (shared copy-on-write
 * with its parent), so no configuration has to travel.
 */
#ifndef PMTREE_GROUP_H
#define PMTREE_GROUP_H

#include <sys/types.h>

#include <stdbool.h>

#include "config.h"
#include "nodetab.h"


/*
 * Forks the supervisor of group G.  In the parent, returns its pid and the
 * parent's end of their channel in *FD; -1 with errno on failure.  The child
 * never returns: it runs G's supervisor and exits with its status.  Forked
 * AHEAD of its turn, it waits for one byte on the channel before it starts
 * (and exits 0 at EOF), so that a parent can fork all its child groups
 * together; see supervisor.c.
 */
pid_t	group_fork(const struct cfg_tree *, const struct cfg_node *g,
	    const struct nodetab *parent, int *fd, bool ahead);

#endif
