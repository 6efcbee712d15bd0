/*
 * What a supervisor knows of every node in its subtree: its own slots and
 * what its child groups report.  The root's table is the whole tree, which
 * `status` reads; a parent uses its table to kill the process groups of a
 * child group's workers when that group's supervisor dies.
 */
#ifndef PMTREE_NODETAB_H
#define PMTREE_NODETAB_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "msg.h"
#include "notify.h"

#define NODETAB_MAX_METRICS 128	/* names a worker may report */

/* What a worker says of itself (sd_notify): kept apart, it varies in size. */
struct nodeinfo {
	char			*status;	/* STATUS=, or NULL */
	struct notify_metric	*metrics;
	size_t			 nmetrics;
};

struct nodetab {
	const struct cfg_tree	 *tree;
	unsigned		  first;	/* ids first .. first+n-1 */
	unsigned		  n;
	struct msg_node_state	**byid;		/* one array of instances */
	unsigned		 *count;	/* instances now (scale) */
	struct nodeinfo		**info;		/* by id, then instance; lazily */
	uint32_t		  gen;		/* the configuration's number */
};

void	nodetab_init(struct nodetab *, const struct cfg_tree *,
	    const struct cfg_node *top);
void	nodetab_free(struct nodetab *);
/* NULL when the node or instance is not in the subtree. */
struct msg_node_state *nodetab_get(struct nodetab *, unsigned id,
	    unsigned instance);
/* How many instances the node runs now: 1 for a group. */
unsigned nodetab_count(const struct nodetab *, unsigned id);
/* A worker scaled to N instances; new entries are zero. */
void	nodetab_resize(struct nodetab *, unsigned id, unsigned n);
/* Stores a state; a new start forgets what the worker said of itself. */
void	nodetab_store(struct nodetab *, struct msg_node_state *at,
	    const struct msg_node_state *);
/* The instance's info, NULL if it said nothing; _get_info makes one. */
const struct nodeinfo *nodetab_info(const struct nodetab *, unsigned id,
	    unsigned instance);
struct nodeinfo *nodetab_get_info(struct nodetab *, unsigned id,
	    unsigned instance);
/* Merges STATUS (if not NULL) and metrics into the instance's info. */
void	nodetab_tell(struct nodetab *, unsigned id, unsigned instance,
	    const char *status, size_t status_len,
	    const struct notify_metric *, size_t nmetrics);
/* Copies what FROM knows of each node of T's subtree, found by path. */
void	nodetab_carry(struct nodetab *t, struct nodetab *from);
/* The ids of NODE's subtree are node->id .. nodetab_last(node). */
unsigned nodetab_last(const struct cfg_node *);

/*
 * Every instance (K) of every node (ID) of N's subtree, N first, in id
 * order; _BELOW leaves N out.  A group counts one instance.
 */
#define NODETAB_FOREACH(t, n, id, k)					\
	for ((id) = (n)->id; (id) <= nodetab_last(n); (id)++)		\
		for ((k) = 0; (k) < nodetab_count((t), (id)); (k)++)
#define NODETAB_FOREACH_BELOW(t, n, id, k)				\
	for ((id) = (n)->id + 1; (id) <= nodetab_last(n); (id)++)	\
		for ((k) = 0; (k) < nodetab_count((t), (id)); (k)++)

#endif
