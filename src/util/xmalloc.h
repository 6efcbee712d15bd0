/*
 * Allocation that cannot fail: out of memory is fatal for a supervisor.
 * Through pool.h: free what these return with xfree (which takes any
 * pointer, libc's too).
 */
#ifndef PMTREE_XMALLOC_H
#define PMTREE_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
void	 xfree(void *);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
