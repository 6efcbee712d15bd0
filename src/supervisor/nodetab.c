#include <stdlib.h>

#include "nodetab.h"
#include "xmalloc.h"

/* Ids are preorder, so a subtree is a contiguous range ending at its last leaf. */
unsigned
nodetab_last(const struct cfg_node *n)
{
	while (n->kind == CFG_GROUP && n->group.nchildren > 0)
		n = n->group.children[n->group.nchildren - 1];
	return (n->id);
}

void
nodetab_init(struct nodetab *t, const struct cfg_tree *tree,
    const struct cfg_node *top)
{
	unsigned k, ninst;

	t->tree = tree;
	t->first = top->id;
	t->n = nodetab_last(top) - top->id + 1;
	t->byid = xcalloc(t->n, sizeof(*t->byid));
	for (k = 0; k < t->n; k++) {
		const struct cfg_node *c = tree->nodes[t->first + k];

		ninst = c->kind == CFG_WORKER ? c->worker.instances : 1;
		t->byid[k] = xcalloc(ninst, sizeof(**t->byid));
	}
}

void
nodetab_free(struct nodetab *t)
{
	unsigned k;

	for (k = 0; k < t->n; k++)
		free(t->byid[k]);
	free(t->byid);
	t->byid = NULL;
}

struct msg_node_state *
nodetab_get(struct nodetab *t, unsigned id, unsigned instance)
{
	const struct cfg_node *c;

	if (id < t->first || id - t->first >= t->n)
		return (NULL);
	c = t->tree->nodes[id];
	if (instance >= (c->kind == CFG_WORKER ? c->worker.instances : 1))
		return (NULL);
	return (&t->byid[id - t->first][instance]);
}
