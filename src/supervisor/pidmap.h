/* pid -> slot, so that reaping costs the same in a tree of any size. */
#ifndef PMTREE_PIDMAP_H
#define PMTREE_PIDMAP_H

#include <stddef.h>
#include <sys/types.h>

struct pidmap {
	struct pidmap_ent {
		pid_t	pid;	/* 0: empty */
		size_t	slot;
	}	*v;
	size_t	 cap;	/* a power of two */
	size_t	 n;
};

void	pidmap_init(struct pidmap *, size_t expected);
void	pidmap_free(struct pidmap *);
void	pidmap_put(struct pidmap *, pid_t, size_t slot);
/* Finds PID's slot without removing it: 0, or -1 if it is not there. */
int	pidmap_get(const struct pidmap *, pid_t, size_t *slot);
/* True if PID is in the map. */
int	pidmap_has(const struct pidmap *, pid_t);
/* Removes PID; returns 0 and its slot, or -1 if it was not there. */
int	pidmap_take(struct pidmap *, pid_t, size_t *slot);

#endif
