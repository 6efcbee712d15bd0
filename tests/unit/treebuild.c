/* Config trees built by hand for unit tests (treebuild.h). */
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include "treebuild.h"
#include "xmalloc.h"

static const uint64_t default_backoff[] = {
	0, 100, 500, 1000, 10000, 30000, 60000, 300000, 900000
};

static struct cfg_node *
tb_node(struct cfg_node *parent, const char *name, enum cfg_kind kind)
{
	struct cfg_node *n = xcalloc(1, sizeof(*n));
	struct cfg_group *g;

	n->kind = kind;
	n->name = xstrdup(name);
	n->parent = parent;
	n->autostart = true;
	if (parent != NULL) {
		g = &parent->group;
		g->children = xreallocarray(g->children, g->nchildren + 1,
		    sizeof(*g->children));
		g->children[g->nchildren++] = n;
	}
	return (n);
}

struct cfg_node *
tb_group(struct cfg_node *parent, const char *name, enum cfg_strategy st,
    unsigned intensity, uint64_t period_ms)
{
	struct cfg_node *n = tb_node(parent, name, CFG_GROUP);

	n->group.strategy = st;
	n->group.intensity = intensity;
	n->group.period_ms = period_ms;
	n->group.restart = CFG_PERMANENT;
	return (n);
}

struct cfg_node *
tb_worker(struct cfg_node *parent, const char *name)
{
	struct cfg_node *n = tb_node(parent, name, CFG_WORKER);
	struct cfg_worker *w = &n->worker;
	static const int zero = 0;

	w->argv = xcalloc(2, sizeof(*w->argv));
	w->argv[0] = xstrdup("true");
	w->argc = 1;
	w->instances = 1;
	w->restart = CFG_PERMANENT;
	tb_codes(n, 1, &zero);
	tb_backoff(n, sizeof(default_backoff) / sizeof(default_backoff[0]),
	    default_backoff);
	w->stable_after_ms = 30 * 60 * 1000;
	w->shutdown_ms = 5 * 1000;
	w->stop_signal = SIGTERM;
	w->ready = CFG_READY_NONE;
	w->ready_timeout_ms = 30 * 1000;
	w->log_stdout = CFG_INHERIT;
	w->log_file = CFG_INHERIT;
	return (n);
}

void
tb_after(struct cfg_node *n, size_t na, const unsigned *sibling)
{
	free(n->after);
	n->after = xcalloc(na ? na : 1, sizeof(*n->after));
	if (na > 0)	/* after: [] passes no list */
		memcpy(n->after, sibling, na * sizeof(*sibling));
	n->nafter = na;
	n->has_after = true;
}

void
tb_backoff(struct cfg_node *n, size_t nb, const uint64_t *v)
{
	struct cfg_worker *w = &n->worker;

	free(w->backoff_ms);
	w->backoff_ms = xcalloc(nb, sizeof(*v));
	memcpy(w->backoff_ms, v, nb * sizeof(*v));
	w->n_backoff = nb;
}

void
tb_codes(struct cfg_node *n, size_t nc, const int *v)
{
	struct cfg_worker *w = &n->worker;

	free(w->normal_exit_codes);
	w->normal_exit_codes = xcalloc(nc ? nc : 1, sizeof(*v));
	memcpy(w->normal_exit_codes, v, nc * sizeof(*v));
	w->n_normal_exit_codes = nc;
}

static size_t
tb_count(const struct cfg_node *n)
{
	size_t k, c = 1;

	if (n->kind == CFG_GROUP) {
		for (k = 0; k < n->group.nchildren; k++)
			c += tb_count(n->group.children[k]);
	}
	return (c);
}

static void
tb_number(struct cfg_tree *t, struct cfg_node *n, unsigned depth)
{
	size_t k;

	n->id = (unsigned)t->nnodes;
	n->depth = depth;
	t->nodes[t->nnodes++] = n;
	free(n->path);
	if (n->parent == NULL)
		n->path = xstrdup("");
	else if (n->parent->parent == NULL)
		n->path = xstrdup(n->name);
	else
		xasprintf(&n->path, "%s/%s", n->parent->path, n->name);
	if (n->kind == CFG_WORKER) {
		t->nworkers += n->worker.instances;
		return;
	}
	for (k = 0; k < n->group.nchildren; k++)
		tb_number(t, n->group.children[k], depth + 1);
}

struct cfg_tree *
tb_tree(struct cfg_node *root)
{
	struct cfg_tree *t = xcalloc(1, sizeof(*t));

	t->name = xstrdup("test");
	t->root = root;
	t->nodes = xcalloc(tb_count(root), sizeof(*t->nodes));
	tb_number(t, root, 0);
	return (t);
}

void
tb_free(struct cfg_node *n)
{
	size_t k;

	if (n == NULL)
		return;
	if (n->kind == CFG_GROUP) {
		for (k = 0; k < n->group.nchildren; k++)
			tb_free(n->group.children[k]);
		free(n->group.children);
	} else {
		free(n->worker.argv[0]);
		free(n->worker.argv);
		free(n->worker.normal_exit_codes);
		free(n->worker.backoff_ms);
	}
	free(n->after);
	free(n->name);
	free(n->path);
	free(n);
}

void
tb_tree_free(struct cfg_tree *t)
{
	if (t == NULL)
		return;
	tb_free(t->root);
	free(t->nodes);
	free(t->name);
	free(t);
}
