/*
 * Config trees built by hand for unit tests: a group with workers and
 * child groups, every worker field at its SPEC default, so that a test
 * changes only what it is about.
 */
#ifndef PMTREE_TREEBUILD_H
#define PMTREE_TREEBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* A group (the root when PARENT is NULL) and its children. */
struct cfg_node	*tb_group(struct cfg_node *parent, const char *name,
		    enum cfg_strategy, unsigned intensity, uint64_t period_ms);
struct cfg_node	*tb_worker(struct cfg_node *parent, const char *name);

/* `after`: the indices of the earlier siblings N needs. */
void		 tb_after(struct cfg_node *, size_t n, const unsigned *sibling);
/* Replace a worker's backoff schedule or normal exit codes. */
void		 tb_backoff(struct cfg_node *, size_t n, const uint64_t *);
void		 tb_codes(struct cfg_node *, size_t n, const int *);
/* Gives a worker a stop_command of one word, WORD. */
void		 tb_stop_command(struct cfg_node *, const char *word);

/* Numbers the tree in preorder (ids, depth, paths) and indexes it. */
struct cfg_tree	*tb_tree(struct cfg_node *root);
void		 tb_tree_free(struct cfg_tree *);

/* Frees a tree not given to tb_tree(). */
void		 tb_free(struct cfg_node *);

#endif
