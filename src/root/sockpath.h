/* Where a tree's control socket lives (SPEC §2 `control.socket`, §5). */
#ifndef PMTREE_SOCKPATH_H
#define PMTREE_SOCKPATH_H

#include <stddef.h>

/* <rundir>: $XDG_RUNTIME_DIR/pmtree, else /tmp/pmtree-<uid>. */
int	sockpath_rundir(char *buf, size_t len);
/* <rundir>/NAME.sock: the default socket of tree NAME. */
int	sockpath_default(const char *name, char *buf, size_t len);
/*
 * The socket of tree NAME: CONFIGURED (control.socket) if set, else
 * $PMTREE_SOCKET, else <rundir>/NAME.sock.  -1 if it does not fit.
 */
int	sockpath_for_tree(const char *configured, const char *name, char *buf,
	    size_t len);

#endif
