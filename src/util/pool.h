/*
 * Where a forked supervisor's own allocations go.  A group supervisor or
 * the log collector is forked from a parent whose heap is full of free
 * holes; with malloc, its first few dozen small allocations land in those
 * holes, and every page one touches becomes its private copy: ~15 pages per
 * process for ~30 KiB of data.  After pool_start(), allocations of up to
 * POOL_MAX bytes come from a fresh region of the process's own, packed one
 * after the other, so it dirties only the pages its data fills.
 *
 * What the process inherited stays where it is: freeing a pointer from an
 * ancestor's pool does nothing (the memory is shared with that ancestor,
 * copy-on-write), and anything not from a pool is handed to libc.  Without
 * pool_start() (the root, the CLI) everything goes to libc.  Under
 * AddressSanitizer the pool is off, so that it checks every allocation.
 * Single-threaded use only, like the rest of pmtree.
 */
#ifndef PMTREE_POOL_H
#define PMTREE_POOL_H

#include <stdbool.h>
#include <stddef.h>

#define POOL_MAX	(64 * 1024)	/* larger ones go to libc */

/* Gives this process a pool of its own; false if it stays on libc. */
bool	 pool_start(void);
/* True if P came from this process's pool or an ancestor's. */
bool	 pool_owns(const void *p);

/* As malloc, calloc, realloc and free: NULL when out of memory. */
void	*pool_malloc(size_t);
void	*pool_calloc(size_t nmemb, size_t size);
void	*pool_realloc(void *, size_t);
void	 pool_free(void *);

#endif
