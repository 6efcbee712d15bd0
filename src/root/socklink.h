/*
 * The link <rundir>/<tree name>.sock to a root's socket outside <rundir>,
 * so that a client given no socket finds the tree (SPEC Part two, "Finding
 * a tree").
 */
#ifndef PMTREE_SOCKLINK_H
#define PMTREE_SOCKLINK_H

#include <limits.h>

struct socklink {
	char	path[PATH_MAX];		/* the link */
	char	target[PATH_MAX];	/* the socket's absolute path */
	int	lockfd;			/* the name's lock; -1: no link of ours */
};

/* Nothing made yet: what socklink_remove may be given. */
#define SOCKLINK_NONE	{ .lockfd = -1 }

/*
 * Once SOCK (of tree NAME) listens: links to it, unless it is in <rundir>
 * or the name is taken.  Whatever stops the link is logged, never fatal.
 */
void	socklink_make(struct socklink *, const char *sock, const char *name);
/* Removes the link if it still points to our socket, then the name's lock. */
void	socklink_remove(struct socklink *);

#endif
