#include <stdlib.h>
#include <string.h>

#include "machine.h"
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
	t->info = xcalloc(t->n, sizeof(*t->info));
	for (k = 0; k < t->n; k++) {
		const struct cfg_node *c = tree->nodes[t->first + k];

		ninst = c->kind == CFG_WORKER ? c->worker.instances : 1;
		t->byid[k] = xcalloc(ninst, sizeof(**t->byid));
		t->count[k] = ninst;
	}
}

/* Frees the info of every instance of index K from FROM up. */
static void
nodetab_forget(struct nodetab *t, unsigned k, unsigned from)
{
	unsigned i;

	if (t->info[k] == NULL)
		return;
	for (i = from; i < t->count[k]; i++) {
		xfree(t->info[k][i].status);
		xfree(t->info[k][i].metrics);
		memset(&t->info[k][i], 0, sizeof(t->info[k][i]));
	}
}

void
nodetab_free(struct nodetab *t)
{
	unsigned k;

	for (k = 0; k < t->n; k++) {
		nodetab_forget(t, k, 0);
		xfree(t->byid[k]);
		xfree(t->info[k]);
	}
	xfree(t->byid);
	xfree(t->count);
	xfree(t->info);
	t->byid = NULL;
	t->count = NULL;
	t->info = NULL;
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
	if (n < old)
		nodetab_forget(t, k, n);
	t->byid[k] = xreallocarray(t->byid[k], n, sizeof(**t->byid));
	if (t->info[k] != NULL)
		t->info[k] = xreallocarray(t->info[k], n, sizeof(**t->info));
	if (n > old) {
		memset(&t->byid[k][old], 0, (n - old) * sizeof(**t->byid));
		if (t->info[k] != NULL)
			memset(&t->info[k][old], 0, (n - old) * sizeof(**t->info));
	}
	t->count[k] = n;
}

void
nodetab_store(struct nodetab *t, struct msg_node_state *at,
    const struct msg_node_state *st)
{
	struct nodeinfo *ni;

	if (st->state == SLOT_STARTING && at->state != SLOT_STARTING &&
	    (ni = (struct nodeinfo *)nodetab_info(t, st->node, st->instance)) != NULL) {
		xfree(ni->status);
		xfree(ni->metrics);
		memset(ni, 0, sizeof(*ni));
	}
	*at = *st;
}

const struct nodeinfo *
nodetab_info(const struct nodetab *t, unsigned id, unsigned instance)
{
	unsigned k = id - t->first;

	if (id < t->first || k >= t->n || instance >= t->count[k] ||
	    t->info[k] == NULL)
		return (NULL);
	return (&t->info[k][instance]);
}

struct nodeinfo *
nodetab_get_info(struct nodetab *t, unsigned id, unsigned instance)
{
	unsigned k = id - t->first;

	if (id < t->first || k >= t->n || instance >= t->count[k])
		return (NULL);
	if (t->info[k] == NULL)
		t->info[k] = xcalloc(t->count[k], sizeof(**t->info));
	return (&t->info[k][instance]);
}

void
nodetab_tell(struct nodetab *t, unsigned id, unsigned instance,
    const char *status, size_t status_len, const struct notify_metric *m,
    size_t nm)
{
	struct nodeinfo *ni = nodetab_get_info(t, id, instance);
	size_t k, j;

	if (ni == NULL)
		return;
	if (status != NULL) {
		xfree(ni->status);
		ni->status = xmalloc(status_len + 1);
		memcpy(ni->status, status, status_len);
		ni->status[status_len] = '\0';
	}
	for (k = 0; k < nm; k++) {
		for (j = 0; j < ni->nmetrics; j++) {
			if (strcmp(ni->metrics[j].name, m[k].name) == 0)
				break;
		}
		if (j == ni->nmetrics) {
			/* A worker inventing names forever gets no more room. */
			if (j == NODETAB_MAX_METRICS)
				continue;
			ni->metrics = xreallocarray(ni->metrics, j + 1,
			    sizeof(*ni->metrics));
			ni->nmetrics++;
		}
		ni->metrics[j] = m[k];
	}
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
				/* An id of the old file: the group tells it anew. */
				t->byid[k][i].wait_node = 0;
				t->byid[k][i].wait_inst = 0;
			}
		}
	}
}
