/* File descriptors of a forked (not exec'd) child. */
#ifndef PMTREE_FDUTIL_H
#define PMTREE_FDUTIL_H

#include <stddef.h>

/*
 * Closes every fd from 3 up but the N in KEEP (-1 entries are ignored):
 * what a child inherits of its parent's loop, channels and locks is not
 * its own.
 */
void	fdutil_close_except(const int *keep, size_t n);

#endif
