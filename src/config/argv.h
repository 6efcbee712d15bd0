/*
 * Shell-like word splitting without a shell: single and double quotes and
 * backslash escapes, no expansion of any kind.
 */
#ifndef PMTREE_ARGV_H
#define PMTREE_ARGV_H

#include <stddef.h>

/*
 * Splits S into a NULL-terminated vector the caller frees with argv_free.
 * Returns 0, or -1 with a message in ERR (an unterminated quote, a trailing
 * backslash).  An empty or blank S gives argc 0.
 */
int	argv_split(const char *s, char ***argv, size_t *argc, char *err,
	    size_t errlen);
void	argv_free(char **);

#endif
