/*
 * A supervisor's links: what it reports of its slots (to its parent and
 * to its own table, which at the root is what `status` reads), the
 * channel from each child group, and the channel from its parent.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "evlog.h"
#include "svint.h"

/* --- state reports ------------------------------------------------------ */

static void
sv_send_up(struct supervisor *sv, const struct msg_node_state *st)
{
	if (sv->up != NULL)
		(void)ipc_send(sv->up, MSG_NODE_STATE, st, sizeof(*st));
	if (sv->on_change != NULL)
		sv->on_change(sv, sv->on_change_arg);
}

void
sv_report(struct supervisor *sv, size_t i)
{
	const struct slot *s = sm_slot(sv->sm, i);
	struct msg_node_state *st;

	st = nodetab_get(&sv->tab, s->node->id, s->instance);
	/*
	 * Gone from the configuration, not from the world; or scaled away
	 * while a stop phase holds the slots still (retired once it ends).
	 */
	if (s->retired || st == NULL) {
		sv_retiring_changed(sv);
		return;
	}
	if (s->state == SLOT_STARTING && st->state != SLOT_STARTING)
		nodetab_store(&sv->tab, st, &(struct msg_node_state){
		    .node = s->node->id, .instance = s->instance,
		    .state = SLOT_STARTING });
	st->gen = sv->tab.gen;
	st->node = s->node->id;
	st->instance = s->instance;
	st->pid = sm_slot_live(s) ? sv->kids[i]->pid : 0;
	st->state = (uint8_t)s->state;
	st->ready = sm_slot_ready(s);
	st->restarts = s->restarts;
	st->has_exit = s->has_exit;
	st->held = s->held;
	st->exit_code = s->last.code;
	st->exit_sig = s->last.sig;
	st->reason = (uint8_t)s->reason;
	st->since_ms = s->started_at;
	st->next_ms = s->state == SLOT_BACKOFF ? s->due : 0;
	st->need_node = st->need_inst = 0;
	if (s->waits != SM_NONE) {
		st->need_node = sm_slot(sv->sm, s->waits)->node->id;
		st->need_inst = sm_slot(sv->sm, s->waits)->instance;
	}
	if (s->node->kind == CFG_GROUP && !sm_slot_live(s))
		st->retiring = st->wait_node = st->wait_inst = 0;
	sv_send_up(sv, st);
	if (s->node->kind == CFG_GROUP)
		sv_retiring_changed(sv);
}

/* Removed children of the subtree still running: ours and our groups'. */
uint32_t
sv_retiring_total(struct supervisor *sv)
{
	const struct msg_node_state *st;
	uint32_t n = (uint32_t)sm_retiring(sv->sm);
	size_t i;

	/* A group whose supervisor is not running has nothing running. */
	for (i = 0; i < sm_nslots(sv->sm); i++) {
		if (sm_slot(sv->sm, i)->node->kind != CFG_GROUP ||
		    sm_slot(sv->sm, i)->retired || !sm_slot_live(sm_slot(sv->sm, i)))
			continue;
		st = nodetab_get(&sv->tab, sm_slot(sv->sm, i)->node->id, 0);
		n += st != NULL ? st->retiring : 0;
	}
	return (n);
}

/* Tells the parent about the group itself: up or not, and what retires. */
void
sv_send_self(struct supervisor *sv)
{
	const struct msg_node_state *self = nodetab_get(&sv->tab, sv->group->id, 0);
	struct msg_node_state st = {
		.gen = sv->tab.gen,
		.node = sv->group->id,
		.state = SLOT_RUNNING,
		.ready = sm_is_ready(sv->sm),
		.pid = (int32_t)getpid(),
		.retiring = sv->retiring,
		.wait_node = self->wait_node,
		.wait_inst = self->wait_inst,
	};

	sv_send_up(sv, &st);
}

/*
 * After every drain: the child our plan waits on, kept in our own entry
 * (the root's is what status reads) and told to the parent when it moves.
 */
void
sv_wait_changed(struct supervisor *sv)
{
	struct msg_node_state *self = nodetab_get(&sv->tab, sv->group->id, 0);
	uint32_t node = 0, inst = 0;
	size_t i;

	if (sm_holder(sv->sm, &i) && !sm_slot(sv->sm, i)->retired) {
		node = sm_slot(sv->sm, i)->node->id;
		inst = sm_slot(sv->sm, i)->instance;
	}
	if (sv->wait_told && self->wait_node == node && self->wait_inst == inst)
		return;
	self->wait_node = node;
	self->wait_inst = inst;
	sv->wait_told = true;
	sv_send_self(sv);
}

/* Once the count of what still retires changes, the parent hears of it. */
void
sv_retiring_changed(struct supervisor *sv)
{
	uint32_t n = sv_retiring_total(sv);

	if (n == sv->retiring)
		return;
	sv->retiring = n;
	sv_send_self(sv);
}

void
sv_report_ready(struct supervisor *sv)
{
	sv_send_self(sv);
	if (sv->on_ready != NULL)
		sv->on_ready(sv, sv->on_ready_arg);
}

/*
 * The rows below child group I, as the machine says WHAT makes them; a
 * lost group's workers are killed from what it last reported.
 */
void
sv_below(struct supervisor *sv, size_t i, enum below what)
{
	const struct cfg_node *g = sm_slot(sv->sm, i)->node;
	struct msg_node_state *st;
	struct sm_row row;
	unsigned id, k;

	NODETAB_FOREACH_BELOW(&sv->tab, g, id, k) {
		st = nodetab_get(&sv->tab, id, k);
		if (what == BELOW_LOST && st->pid > 0 &&
		    sv->tree->nodes[id]->kind == CFG_WORKER)
			(void)killpg(st->pid, SIGKILL);
		row = (struct sm_row){ .state = (enum slot_state)st->state,
		    .live = st->pid != 0, .held = st->held };
		if (!sm_below(what, &row))
			continue;
		st->gen = sv->tab.gen;
		st->node = id;
		st->instance = k;
		st->state = (uint8_t)row.state;
		st->held = row.held;
		if (!row.live)
			st->pid = st->ready = 0;
		sv_send_up(sv, st);
	}
}

/* --- child groups ------------------------------------------------------- */

/* A worker below said something of itself: kept here, passed up. */
static int
sv_group_info(struct supervisor *sv, const struct cfg_node *g,
    const void *data, size_t len)
{
	struct msg_node_info h;
	struct notify_metric met[NOTIFY_MAX_METRICS];
	const char *p = data;

	memcpy(&h, data, sizeof(h));
	if (h.nmetrics > NOTIFY_MAX_METRICS || len != sizeof(h) +
	    h.nmetrics * sizeof(*met) + h.status_len ||
	    h.node <= g->id || h.node > nodetab_last(g))
		return (-1);
	/* Stale: from before the group switched, or a dropped instance. */
	if (h.gen != sv->tab.gen ||
	    nodetab_get(&sv->tab, h.node, h.instance) == NULL)
		return (0);
	memcpy(met, p + sizeof(h), h.nmetrics * sizeof(*met));
	for (size_t k = 0; k < h.nmetrics; k++)
		met[k].name[NOTIFY_NAME_MAX - 1] = '\0';
	nodetab_tell(&sv->tab, h.node, h.instance, h.has_status ?
	    p + sizeof(h) + h.nmetrics * sizeof(*met) : NULL, h.status_len,
	    met, h.nmetrics);
	if (sv->up != NULL)
		(void)ipc_send(sv->up, MSG_NODE_INFO, data, len);
	return (0);
}

int
sv_group_msg(struct ipc *c, uint16_t type, const void *data, size_t len,
    void *arg)
{
	struct child *k = arg;
	struct supervisor *sv = k->sv;
	const struct cfg_node *g = sm_slot(sv->sm, k->slot)->node;
	struct msg_node_state m, *st;

	if (type == MSG_NODE_INFO)
		return (sv_group_info(sv, g, data, len));
	if (type != MSG_NODE_STATE)
		return (-1);
	memcpy(&m, data, sizeof(m));
	/* From before the group switched: a fresh report follows. */
	if (m.gen != sv->tab.gen)
		return (0);
	if (m.node == g->id) {
		if (m.wait_node != 0 && (m.wait_node <= g->id ||
		    m.wait_node > nodetab_last(g) ||
		    sv->tree->nodes[m.wait_node]->parent != g))
			return (-1);
		if ((st = nodetab_get(&sv->tab, g->id, 0)) != NULL &&
		    (st->wait_node != m.wait_node || st->wait_inst != m.wait_inst)) {
			st->wait_node = m.wait_node;
			st->wait_inst = m.wait_inst;
			sv_send_up(sv, st);
		}
		if (st != NULL)
			st->retiring = m.retiring;
		if (m.ready)
			sm_ready(sv->sm, k->slot, supervisor_now());
		sv_retiring_changed(sv);
		sv_drain(sv);
		return (0);
	}
	if (m.node <= g->id || m.node > nodetab_last(g) ||
	    m.state >= SLOT_NSTATES || m.reason >= REASON_NREASONS)
		return (-1);
	/* What it waits for is a sibling of its own. */
	if (m.need_node != 0 && (m.need_node >= sv->tree->nnodes ||
	    sv->tree->nodes[m.need_node] == NULL ||
	    sv->tree->nodes[m.need_node]->parent !=
	    sv->tree->nodes[m.node]->parent))
		return (-1);
	/* An instance a scale down dropped here first, reported on its way out. */
	if ((st = nodetab_get(&sv->tab, m.node, m.instance)) == NULL)
		return (0);
	nodetab_store(&sv->tab, st, &m);
	sv_send_up(sv, st);
	return (0);
}

/* EOF or a bad frame: the group's supervisor is dying or must. */
void
sv_group_closed(struct ipc *c, const char *why, void *arg)
{
	struct child *k = arg;

	if (strcmp(why, "end of file") != 0) {
		evlog(k->name, "channel: %s: killing the group's supervisor", why);
		if (k->pid > 0)
			(void)kill(k->pid, SIGKILL);
	}
	ipc_free(k->ipc);
	k->ipc = NULL;
}

/* The parent is gone (EOF) or mad: nobody is left to stop us cleanly. */
void
sv_up_closed(struct ipc *c, const char *why, void *arg)
{
	struct supervisor *sv = arg;

	evlog(sv_who(sv), "lost the parent supervisor (%s): killing the group", why);
	sm_lost(sv->sm, supervisor_now());
	sv_drain(sv);
}

static bool
sv_in_subtree(const struct supervisor *sv, uint32_t id)
{
	return (id >= sv->group->id && id <= nodetab_last(sv->group));
}

struct sv_load {
	const char	*file;
	const char	*path;	/* the group's part: all the group keeps */
	struct cfg_tree	*t;
};

static void *
sv_load_run(void *arg)
{
	struct sv_load *l = arg;
	struct diag d;

	diag_init(&d, l->file);
	l->t = config_load(l->file, &d);
	diag_free(&d);
	if (l->t != NULL)
		(void)config_subtree(l->t, l->path);
	return (NULL);
}

/*
 * Loads the file on a thread of its own, which glibc gives an arena of its
 * own.  On this one, the parse's allocations went into the holes of the
 * heap shared with the root, and each page they touched that still held
 * the root's data stayed a private copy after they were freed; with the
 * whole tree of 1,000 workers, ~360 KiB per group and reload.  The thread
 * is gone before anything else runs, so nothing else sees it.
 */
static struct cfg_tree *
sv_load(struct supervisor *sv)
{
	struct sv_load l = { sv->tree->file, sv->group->path, NULL };
	pthread_attr_t attr;
	pthread_t th;
	int rc;

	if ((rc = pthread_attr_init(&attr)) == 0) {
		(void)pthread_attr_setstacksize(&attr, SV_LOAD_STACK);
		rc = pthread_create(&th, &attr, sv_load_run, &l);
		pthread_attr_destroy(&attr);
	}
	if (rc == 0)
		pthread_join(th, NULL);
	else
		sv_load_run(&l);
	malloc_trim(0);
	return (l.t);
}

/* The parent reloaded: read the same file; if it changed since, start anew. */
static void
sv_up_reload(struct supervisor *sv, const struct msg_reload *m)
{
	struct cfg_tree *t = sv_load(sv);

	if (t == NULL || t->digest != m->digest) {
		evlog(sv_who(sv), "reload: %s changed again: restarting the group",
		    sv->tree->file);
		config_free(t);
		sm_lost(sv->sm, supervisor_now());
		sv_drain(sv);
		return;
	}
	supervisor_reload(sv, t, m->gen);
}

/* From the parent; a message about a node outside our subtree is a bug. */
int
sv_up_msg(struct ipc *c, uint16_t type, const void *data, size_t len, void *arg)
{
	struct supervisor *sv = arg;
	struct msg_reload r;
	struct msg_scale sc;
	struct msg_command m;

	/* The codec let through only these, each of exactly its size. */
	if (type == MSG_RELOAD) {
		memcpy(&r, data, sizeof(r));
		sv_up_reload(sv, &r);
		return (0);
	}
	if (type == MSG_SCALE) {
		memcpy(&sc, data, sizeof(sc));
		if (!sv_in_subtree(sv, sc.node))
			return (-1);
		if (sc.gen == sv->tab.gen && supervisor_scale(sv,
		    sv->tree->nodes[sc.node], sc.count) < 0)
			evlog(sv_who(sv), "scale: not now");
		return (0);
	}
	if (type != MSG_COMMAND || len != sizeof(m))
		return (-1);
	memcpy(&m, data, sizeof(m));
	if (!sv_in_subtree(sv, m.node) || m.op < SM_OP_STOP || m.op > SM_OP_RESTART)
		return (-1);
	if (m.gen != sv->tab.gen)
		return (0);	/* sent before a reload we have not seen yet */
	if (supervisor_command(sv, sv->tree->nodes[m.node], m.instance,
	    (enum sm_op)m.op) < 0)
		evlog(sv_who(sv), "command for %s: its group is not running",
		    sv->tree->nodes[m.node]->path);
	return (0);
}
