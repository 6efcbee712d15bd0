/*
 * A new configuration (reload) or a new count (scale): the slots of the
 * new file, each mapped to the one it was, the children moved with them,
 * the trees no slot uses any more freed; when the machine says so (not
 * while a stop phase holds the slots still).
 */
#include <signal.h>

#include "evlog.h"
#include "svint.h"
#include "xmalloc.h"

/* --- reload and scale --------------------------------------------------- */

/* G's children as slots, with the instance counts of TAB. */
static size_t
sv_plan(const struct supervisor *sv, const struct cfg_node *g,
    const struct nodetab *tab, struct sm_keep **out)
{
	unsigned *count = xcalloc(g->group.nchildren + 1, sizeof(*count));
	size_t k, n;

	for (k = 0; k < g->group.nchildren; k++)
		count[k] = nodetab_count(tab, g->group.children[k]->id);
	n = sm_plan(sv->sm, g, count, out);
	xfree(count);
	return (n);
}

void
sv_child_free(struct child *k)
{
	probe_free(k->probe);
	/* A stop_command outlives no slot: it is reaped as a stranger. */
	if (k->stop_pid > 0)
		(void)killpg(k->stop_pid, SIGKILL);
	if (k->stop_due != NULL)
		event_free(k->stop_due);
	if (k->timer != NULL)
		event_free(k->timer);
	if (k->drain != NULL)
		event_free(k->drain);
	ipc_free(k->ipc);
	xfree(k->name);
	xfree(k);
}

/* After the machine's slots moved: children and pid maps follow. */
static void
sv_remap(struct supervisor *sv, const size_t *from, size_t oldn)
{
	struct child **old = sv->kids;
	bool *used;
	size_t j, k;

	sv_sweep(sv, oldn);	/* while the names are those the orphans carry */
	used = xcalloc(oldn ? oldn : 1, sizeof(*used));
	sv->kids = xcalloc(sm_nslots(sv->sm) ? sm_nslots(sv->sm) : 1, sizeof(*sv->kids));
	pidmap_free(&sv->pids);
	pidmap_free(&sv->draining);
	pidmap_free(&sv->stops);
	pidmap_init(&sv->pids, sm_nslots(sv->sm));
	pidmap_init(&sv->draining, 16);
	pidmap_init(&sv->stops, 4);
	for (j = 0; j < sm_nslots(sv->sm); j++) {
		if (from[j] == SM_NEW)
			sv->kids[j] = xcalloc(1, sizeof(**sv->kids));
		else {
			sv->kids[j] = old[from[j]];
			used[from[j]] = true;
		}
		sv->kids[j]->sv = sv;
		sv->kids[j]->slot = j;
		if (sv->kids[j]->draining > 0)
			pidmap_put(&sv->draining, sv->kids[j]->draining, j);
		else if (sv->kids[j]->pid > 0)
			pidmap_put(&sv->pids, sv->kids[j]->pid, j);
		if (sv->kids[j]->stop_pid > 0)
			pidmap_put(&sv->stops, sv->kids[j]->stop_pid, j);
	}
	for (k = 0; k < oldn; k++) {
		if (!used[k])
			sv_child_free(old[k]);
	}
	xfree(used);
	xfree(old);
	sv_name_kids(sv);
	sv_stopwait_count(sv);
}

static bool
sv_tree_has(const struct cfg_tree *t, const struct cfg_node *n)
{
	return (n->id < t->nnodes && t->nodes[n->id] == n);
}

static bool
sv_tree_used(const struct supervisor *sv, const struct cfg_tree *t)
{
	size_t i;

	if (t == sv->tree || t == sv->pending || t == sv->owned[sv->nowned - 1])
		return (true);
	for (i = 0; i < sm_nslots(sv->sm); i++) {
		if (sv_tree_has(t, sm_slot(sv->sm, i)->node))
			return (true);
	}
	return (false);
}

/*
 * A configuration a reload replaced goes once no slot names a node of it:
 * kept every time, a tree of 1,000 workers cost each supervisor ~700 KiB
 * per reload.  The newest stays too: the root's commands and collector
 * settings read it while a stop phase holds it back.
 */
static void
sv_prune(struct supervisor *sv)
{
	size_t i, n = 0;

	for (i = 0; i < sv->nowned; i++) {
		if (sv_tree_used(sv, sv->owned[i]))
			sv->owned[n++] = sv->owned[i];
		else
			config_free(sv->owned[i]);
	}
	sv->nowned = n;
}

/*
 * Gives the group the configuration T (its node G, the table TAB, which
 * replaces ours if it is not ours): kept children keep running, changed
 * ones restart, new ones start in order, removed ones stop.
 */
static void
sv_apply(struct supervisor *sv, const struct cfg_tree *t,
    const struct cfg_node *g, struct nodetab *tab)
{
	struct sm_keep *keep;
	size_t n, oldn = sm_nslots(sv->sm), *from, i;

	n = sv_plan(sv, g, tab, &keep);
	from = xcalloc(n + oldn + 1, sizeof(*from));
	if (tab != &sv->tab) {
		nodetab_free(&sv->tab);
		sv->tab = *tab;
	}
	sv->tree = t;
	sv->group = g;
	sm_reconfigure(sv->sm, g, keep, n, from, supervisor_now());
	sv_remap(sv, from, oldn);
	xfree(keep);
	xfree(from);
	for (i = 0; i < sm_nslots(sv->sm); i++)
		sv_report(sv, i);
	sv->retiring = sv_retiring_total(sv);
	sv_send_self(sv);
	sv_prune(sv);
}

static void
sv_forward_reload(struct supervisor *sv)
{
	struct msg_reload m = { .gen = sv->tab.gen, .digest = sv->tree->digest };
	size_t i;

	for (i = 0; i < sm_nslots(sv->sm); i++) {
		if (sm_slot(sv->sm, i)->node->kind == CFG_GROUP &&
		    !sm_slot(sv->sm, i)->retired && sv->kids[i]->ipc != NULL)
			(void)ipc_send(sv->kids[i]->ipc, MSG_RELOAD, &m, sizeof(m));
	}
}

/* Switches to T now; our group is in it (else our parent stops us). */
static void
sv_reload_now(struct supervisor *sv, const struct cfg_tree *t, uint32_t gen)
{
	const struct cfg_node *g = sv->group->parent == NULL ? t->root :
	    config_find(t, sv->group->path);
	struct nodetab tab;

	if (g == NULL || g->kind != CFG_GROUP)
		return;
	nodetab_init(&tab, t, g);
	nodetab_carry(&tab, &sv->tab);
	tab.gen = gen;
	/* Node ids are the new file's: what waits is told again. */
	sv->wait_told = false;
	sv_apply(sv, t, g, &tab);
	sv_forward_reload(sv);
	evlog(sv_who(sv), "configuration %u applied", gen);
}

void
supervisor_reload(struct supervisor *sv, struct cfg_tree *t, uint32_t gen)
{
	sv_ahead_drop(sv);
	sv->owned = xreallocarray(sv->owned, sv->nowned + 1, sizeof(*sv->owned));
	sv->owned[sv->nowned++] = t;
	sv->pending = t;
	sv->pending_gen = gen;
	sv_reload_pending(sv);
}

/* A reload or scale waiting, when the machine says it may be applied. */
void
sv_reload_pending(struct supervisor *sv)
{
	struct cfg_tree *t = sv->pending;

	switch (sm_reconfigure_wanted(sv->sm)) {
	case SM_RECONF_LATER:
		sv_prune(sv);
		return;
	case SM_RECONF_NEVER:
		sv->pending = NULL;
		return;
	case SM_RECONF_NOW:
		break;
	}
	sv->pending = NULL;
	if (t != NULL)
		sv_reload_now(sv, t, sv->pending_gen);
	else
		sv_apply(sv, sv->tree, sv->group, &sv->tab);
	/* What it queued (starts, stops) must not wait for another event. */
	sv_drain(sv);
}

int
supervisor_scale(struct supervisor *sv, const struct cfg_node *node,
    unsigned count)
{
	struct msg_scale m = { .gen = sv->tab.gen, .node = node->id,
	    .count = count };
	ssize_t via;

	if (node->kind != CFG_WORKER || count == 0 ||
	    nodetab_count(&sv->tab, node->id) == 0)
		return (-1);
	sv_ahead_drop(sv);
	nodetab_resize(&sv->tab, node->id, count);
	if (node->parent != sv->group) {
		via = sv_route(sv, node);
		if (via < 0 || sv->kids[via]->ipc == NULL)
			return (-1);
		return (ipc_send(sv->kids[via]->ipc, MSG_SCALE, &m, sizeof(m)));
	}
	if (sm_shutting_down(sv->sm))
		return (-1);
	sv_reload_pending(sv);
	return (0);
}

uint32_t
supervisor_retiring(struct supervisor *sv)
{
	return (sv_retiring_total(sv));
}

uint32_t
supervisor_gen(struct supervisor *sv)
{
	return (sv->tab.gen);
}

void
sv_name_kids(struct supervisor *sv)
{
	size_t i;

	for (i = 0; i < sm_nslots(sv->sm); i++) {
		const struct slot *s = sm_slot(sv->sm, i);
		struct child *k = sv->kids[i];

		k->sv = sv;
		k->slot = i;
		if (s->retired && k->name != NULL)
			continue;
		xfree(k->name);
		k->multi = s->node->kind == CFG_WORKER &&
		    nodetab_count(&sv->tab, s->node->id) > 1;
		k->name = config_instance_name_dup(s->node->path, s->instance,
		    k->multi);
	}
}

/*
 * A group forked anew takes from its parent's table what outlives its
 * processes: the configuration's number, scaled instance counts, and which
 * workers a command stopped.
 */
void
sv_inherit(struct supervisor *sv, const struct nodetab *from)
{
	const struct msg_node_state *st;
	unsigned id, last = nodetab_last(sv->group), n;
	bool scaled = false;
	size_t i;

	sv->tab.gen = from->gen;
	for (id = sv->group->id + 1; id <= last; id++) {
		n = nodetab_count(from, id);
		if (n != 0 && n != nodetab_count(&sv->tab, id)) {
			nodetab_resize(&sv->tab, id, n);
			scaled = scaled || sv->tree->nodes[id]->parent == sv->group;
		}
		/* Below our children too: a group we fork anew reads it here. */
		for (i = 0; i < n; i++)
			*nodetab_get(&sv->tab, id, (unsigned)i) =
			    *nodetab_get((struct nodetab *)from, id, (unsigned)i);
	}
	if (scaled)
		sv_apply(sv, sv->tree, sv->group, &sv->tab);
	for (i = 0; i < sm_nslots(sv->sm); i++) {
		st = nodetab_get((struct nodetab *)from, sm_slot(sv->sm, i)->node->id,
		    sm_slot(sv->sm, i)->instance);
		if (st != NULL && st->held)
			sm_hold(sv->sm, i);
	}
}
