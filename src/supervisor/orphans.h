/*
 * Descendants that left their worker's process group (setsid, a daemonizing
 * double fork) are reparented to the supervisor, a child subreaper.  They
 * still carry the worker's PMTREE_NAME, which is how they are told apart.
 */
#ifndef PMTREE_ORPHANS_H
#define PMTREE_ORPHANS_H

#include "pidmap.h"

/*
 * SIGKILLs every child of this process that KNOWN does not hold, but SPARE
 * (0: none), and whose environment says PMTREE_NAME=NAME (every such child
 * when NAME is NULL).  Returns how many it killed.
 */
int	orphans_kill(const struct pidmap *known, const char *name, pid_t spare);

#endif
