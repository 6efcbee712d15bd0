/*
 * A worker's environment: pmtree's own, then PORT (with `port`), then the
 * variables of its `env_file` files in list order, then the worker's `env`
 * with its placeholders replaced for the instance, then the
 * variables pmtree sets (PMTREE_NAME, PMTREE_INSTANCE, PMTREE_TREE), each
 * later one replacing an earlier one of the same name.  Built before the
 * spawn, because nothing may allocate between fork and exec: the files
 * are read here, at every start, so that an edit applies at the next one.
 */
#ifndef PMTREE_WORKERENV_H
#define PMTREE_WORKERENV_H

#include <stddef.h>

#include "config.h"
#include "envfile.h"
#include "tmpl.h"

#define WORKERENV_OWN 12	/* PMTREE_*, PORT, NOTIFY_SOCKET, WATCHDOG_*, a stop command's */

struct workerenv {
	char		**envp;
	size_t		  n;
	char		 *own[WORKERENV_OWN];	/* the strings built here */
	size_t		  nown;
	struct envfile	  files;	/* what the env_file files hold */
	char		**expanded;	/* `env` entries with placeholders, or NULL */
	size_t		  nexpanded;
};

/*
 * Returns 0, or -1 when an env_file cannot be read or is malformed: WHY
 * then says so ("env_file .env:3: ..."), the environment is built without
 * any file's variables, and the start is to fail.
 */
/* V: the instance's number, port (N+k, or 0) and name (PMTREE_NAME). */
int		 workerenv_build(struct workerenv *, const struct cfg_tree *,
		    const struct cfg_node *, const struct tmpl_vars *v,
		    char *why, size_t whylen);
/* Adds or replaces "KEY=VALUE"; returns that string (owned by the env). */
char		*workerenv_set(struct workerenv *, const char *key,
		    const char *value);
const char	*workerenv_get(const struct workerenv *, const char *key);
void		 workerenv_free(struct workerenv *);

#endif
