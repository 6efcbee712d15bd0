/*
 * A worker's environment: pmtree's own, then PORT (with `port`), then the
 * worker's `env` with its placeholders replaced for the instance, then the
 * variables pmtree sets (PMTREE_NAME, PMTREE_INSTANCE, PMTREE_TREE), each
 * later one replacing an earlier one of the same name.  Built before the
 * spawn, because nothing may allocate between fork and exec.
 */
#ifndef PMTREE_WORKERENV_H
#define PMTREE_WORKERENV_H

#include <stddef.h>

#include "config.h"
#include "tmpl.h"

#define WORKERENV_OWN 8

struct workerenv {
	char	**envp;
	size_t	  n;
	char	 *own[WORKERENV_OWN];	/* the strings built here */
	size_t	  nown;
	char	**expanded;	/* `env` entries with placeholders, or NULL */
	size_t	  nexpanded;
};

/* V: the instance's number, port (N+k, or 0) and name (PMTREE_NAME). */
void		 workerenv_build(struct workerenv *, const struct cfg_tree *,
		    const struct cfg_node *, const struct tmpl_vars *v);
/* Adds or replaces "KEY=VALUE"; returns that string (owned by the env). */
char		*workerenv_set(struct workerenv *, const char *key,
		    const char *value);
const char	*workerenv_get(const struct workerenv *, const char *key);
void		 workerenv_free(struct workerenv *);

#endif
