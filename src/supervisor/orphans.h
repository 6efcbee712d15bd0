/*
 * Descendants that left their worker's process group (setsid, a daemonizing
 * double fork) are reparented to the supervisor, a child subreaper.  They
 * still carry the worker's PMTREE_NAME, which is how they are told apart.
 */
#ifndef PMTREE_ORPHANS_H
#define PMTREE_ORPHANS_H

#include "pidmap.h"

/*
 * A worker whose orphans are due: its PMTREE_NAME, and the pid of the
 * instance that replaced it (0: none), whose own orphans are spared.
 */
struct orphan_due {
	const char	*name;
	pid_t		 successor;
};

/*
 * SIGKILLs every child of this process that neither KNOWN nor ALSO (a
 * worker's stop_command carries its name too) holds and that is an
 * orphan of one of the NDUE workers of DUE: one that carries its name and
 * did not start after its successor.  Returns how many it killed.
 */
int	orphans_kill(const struct pidmap *known, const struct pidmap *also,
	    const struct orphan_due *due, size_t ndue);
/* The same for every child KNOWN does not hold, but SPARE (0: none). */
int	orphans_kill_all(const struct pidmap *known, pid_t spare);

#endif
