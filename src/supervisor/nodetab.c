#include <stdlib.h>
#include <string.h>

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
	t->count = xcalloc(t->n, sizeof(*t->count));
	for (k = 0; k < t->n; k++) {
		const struct cfg_node *c = tree->nodes[t->first + k];

		ninst = c->kind == CFG_WORKER ? c->worker.instances : 1;
		t->byid[k] = xcalloc(ninst, sizeof(**t->byid));
		t->count[k] = ninst;
	}
}

void
nodetab_free(struct nodetab *t)
{
	unsigned k;

	for (k = 0; k < t->n; k++)
		free(t->byid[k]);
	free(t->byid);
	free(t->count);
	t->byid = NULL;
	t->count = NULL;
}

struct msg_node_state *
nodetab_get(struct nodetab *t, unsigned id, unsigned instance)
{
	if (id < t->first || id - t->first >= t->n ||
	    instance >= t->count[id - t->first])
		return (NULL);
	return (&t->byid[id - t->first][instance]);
}

unsigned
nodetab_count(const struct nodetab *t, unsigned id)
{
	if (id < t->first || id - t->first >= t->n)
		return (0);
	return (t->count[id - t->first]);
}

void
nodetab_resize(struct nodetab *t, unsigned id, unsigned n)
{
	unsigned k = id - t->first, old;

	if (id < t->first || k >= t->n || n == 0)
		return;
	old = t->count[k];
	t->byid[k] = xreallocarray(t->byid[k], n, sizeof(**t->byid));
	if (n > old)
		memset(&t->byid[k][old], 0, (n - old) * sizeof(**t->byid));
	t->count[k] = n;
}

void
nodetab_carry(struct nodetab *t, struct nodetab *from)
{
	const struct cfg_node *n, *o;
	unsigned k, i;

	for (k = 0; k < t->n; k++) {
		n = t->tree->nodes[t->first + k];
		o = config_find(from->tree, n->path);
		if (o == NULL || o->kind != n->kind)
			continue;
		for (i = 0; i < t->count[k]; i++) {
			struct msg_node_state *st = nodetab_get(from, o->id, i);

			if (st != NULL) {
				t->byid[k][i] = *st;
				t->byid[k][i].node = n->id;
			}
		}
	}
}
