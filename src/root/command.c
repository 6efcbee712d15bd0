/*
 * The root's side of the control commands: the dispatch of a request to
 * its command's handler, and the pending operations, each answered once
 * the root's table shows its op done.  The ops are started in act.c
 * (start, stop, restart) and reload.c (reload, scale), and here (shutdown).
 */
#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdint.h"
#include "control.h"
#include "format.h"
#include "logsup.h"
#include "machine.h"
#include "msg.h"
#include "status.h"
#include "supervisor.h"
#include "xmalloc.h"

#define MAX_TARGETS 4096

struct commands *
commands_new(const struct cfg_tree *t, struct supervisor *sv,
    struct logsup *logs, uint64_t started_ms, ctl_find_fn *find)
{
	struct commands *c = xcalloc(1, sizeof(*c));

	c->tree = t;
	c->sv = sv;
	c->logs = logs;
	c->started_ms = started_ms;
	c->find = find;
	return (c);
}

struct pending *
pending_new(struct control_conn *conn, const struct ctl_cmd *cmd,
    const char *message)
{
	struct pending *p = xcalloc(1, sizeof(*p));

	p->conn = conn;
	p->cmd = cmd;
	p->spec = xstrdup(message);
	p->t0 = supervisor_now();
	return (p);
}

void
pending_free(struct pending *p)
{
	size_t k;

	for (k = 0; k < p->nwatch; k++) {
		if (p->watch[k].ev == NULL)
			continue;
		event_free(p->watch[k].ev);
		close(p->watch[k].fd);
	}
	xfree(p->watch);
	xfree(p->spec);
	xfree(p->targets);
	xfree(p->cuts);
	xfree(p->cut_by);
	xfree(p);
}

void
commands_free(struct commands *c)
{
	struct pending *p;

	if (c == NULL)
		return;
	while ((p = c->pending) != NULL) {
		c->pending = p->next;
		pending_free(p);
	}
	xfree(c);
}

struct target *
commands_targets(struct commands *c, struct control_conn *conn,
    const char *spec, size_t *n)
{
	struct target *tg = xcalloc(MAX_TARGETS, sizeof(*tg));
	size_t k;

	*n = target_resolve(c->tree, spec, tg, MAX_TARGETS);
	for (k = 0; k < *n && k < MAX_TARGETS; k++) {
		if (tg[k].instance >= 0 && nodetab_get(supervisor_table(c->sv),
		    tg[k].node->id, (unsigned)tg[k].instance) == NULL)
			*n = 0;
	}
	if (*n == 0 || *n > MAX_TARGETS) {
		xfree(tg);
		control_error(conn, 1, "no such child: %s", spec);
		return (NULL);
	}
	return (tg);
}

const struct cfg_tree *
commands_tree(void *arg)
{
	return (((struct commands *)arg)->tree);
}

struct nodetab *
commands_table(void *arg)
{
	return (supervisor_table(((struct commands *)arg)->sv));
}

void
commands_status_of(struct commands *c, struct obuf *b, const struct target *tg,
    size_t nt)
{
	struct status_root sr = { .pid = (int)getpid(),
	    .started_ms = c->started_ms,
	    .restarts = supervisor_restarts(c->sv) };

	sr.log = logsup_status(c->logs);
	status_write(b, c->tree, supervisor_table(c->sv), &sr, tg, nt,
	    supervisor_now());
	json_decref(sr.log);
}

/* The whole `status --json` object, for /status. */
void
commands_status(struct obuf *b, void *arg)
{
	commands_status_of(arg, b, NULL, 0);
}

/*
 * Where one worker instance stands for OP: 1 done, 0 not yet, -1 failed
 * (it was started and went to backoff or exited instead of running).
 */
static int
commands_instance_done(const struct msg_node_state *st, enum ctl_op op,
    uint64_t t0)
{
	bool fresh = st->since_ms >= t0;

	switch (op) {
	case CTL_STOP:
		/* Started since by another command (a scale): not this one's. */
		if (st->since_ms > t0 && st->state != SLOT_STOPPING)
			return (1);
		return (st->state == SLOT_STOPPED || st->state == SLOT_EXITED);
	case CTL_SCALE:
		/*
		 * A scale starts only the instances it adds: one held, or ended
		 * for good before it (temporary, transient), stays so.
		 */
		if (st->held || st->state == SLOT_EXITED)
			return (1);
		/* FALLTHROUGH */
	case CTL_START:
		if (st->state == SLOT_RUNNING)
			return (1);
		break;
	case CTL_RELOAD:
		if (st->held)
			return (1);
		/* FALLTHROUGH */
	case CTL_RESTART:
		if (!fresh)
			return (0);
		if (st->state == SLOT_RUNNING)
			return (1);
		break;
	default:	/* shutdown waits for the tree's end, not an instance's */
		break;
	}
	if (fresh && st->state == SLOT_EXITED)
		return (1);
	if (fresh && st->state == SLOT_BACKOFF)
		return (-1);
	return (0);
}

/*
 * A worker below a group stopped by command (below TOP, the target) waits
 * for that group's start: a restart, reload or scale leaves it alone.
 */
static bool
commands_in_held_group(struct commands *c, const struct cfg_node *w,
    const struct cfg_node *top)
{
	const struct msg_node_state *st;
	const struct cfg_node *a;

	for (a = w->parent; a != NULL && a != top && a->parent != NULL;
	    a = a->parent) {
		st = nodetab_get(supervisor_table(c->sv), a->id, 0);
		if (st != NULL && st->held)
			return (true);
	}
	return (false);
}

/*
 * For a stop: W has not started and will not, held itself or inside a
 * group (up to TOP) that was held before it started.  Nothing will tell
 * that it stopped: it never ran.
 */
static bool
commands_never_started(struct commands *c, const struct cfg_node *w,
    const struct msg_node_state *st, const struct cfg_node *top)
{
	const struct cfg_node *a;

	if (st->state != SLOT_WAITING)
		return (false);
	if (st->held)
		return (true);
	for (a = w->parent; a != NULL; a = a->parent) {
		st = nodetab_get(supervisor_table(c->sv), a->id, 0);
		if (st != NULL && st->held && (st->state == SLOT_WAITING ||
		    st->state == SLOT_STOPPED))
			return (true);
		if (a == top)
			break;
	}
	return (false);
}

/* Worker instance K of node ID is inside target T. */
static bool
commands_covers(const struct target *t, unsigned id, unsigned k)
{
	if (id < t->node->id || id > nodetab_last(t->node))
		return (false);
	return (t->instance < 0 || (unsigned)t->instance == k);
}

static bool
commands_is_cut(const struct pending *p, unsigned id, unsigned k)
{
	size_t i;

	for (i = 0; i < p->ncuts; i++) {
		if (commands_covers(&p->cuts[i], id, k))
			return (true);
	}
	return (false);
}

/* Targets A and B share a worker instance (subtrees nest or are apart). */
static bool
commands_overlap(const struct target *a, const struct target *b)
{
	if (nodetab_last(a->node) < b->node->id ||
	    nodetab_last(b->node) < a->node->id)
		return (false);
	return (a->node != b->node || a->instance < 0 || b->instance < 0 ||
	    a->instance == b->instance);
}

/*
 * Whether a command LATER, arriving while one of EARLIER is under way,
 * takes over the workers they share: a stop those that a start, restart,
 * scale or reload would start; a start or a restart those that a stop
 * would stop.  Either way the earlier one would wait for ever.
 */
static bool
commands_takes_over(enum ctl_op later, enum ctl_op earlier)
{
	if (earlier == CTL_SHUTDOWN)
		return (false);
	if (later == CTL_STOP)
		return (earlier != CTL_STOP);
	return ((later == CTL_START || later == CTL_RESTART) &&
	    earlier == CTL_STOP);
}

/* LATER takes over what commands under way share with it: they say so. */
void
commands_cut(struct commands *c, const struct pending *later, const char *spec)
{
	struct pending *p;
	size_t i, k;

	for (p = c->pending; p != NULL; p = p->next) {
		if (p == later || !commands_takes_over(later->cmd->op,
		    p->cmd->op))
			continue;
		for (i = 0; i < later->ntargets; i++) {
			for (k = 0; k < p->ntargets; k++) {
				if (commands_overlap(&later->targets[i],
				    &p->targets[k]))
					break;
			}
			if (k == p->ntargets)
				continue;
			p->cuts = xreallocarray(p->cuts, p->ncuts + 1,
			    sizeof(*p->cuts));
			p->cuts[p->ncuts++] = later->targets[i];
			if (p->cut_by == NULL)
				(void)xasprintf(&p->cut_by, "%s %s",
				    later->cmd->name, spec);
		}
	}
}

/* Every worker instance the target covers; a held one inside a group is left alone. */
static int
commands_target_done(struct commands *c, const struct pending *p,
    const struct target *t, char *why, size_t len)
{
	unsigned id, last = nodetab_last(t->node), k, n;
	const struct msg_node_state *st;
	enum ctl_op op = p->cmd->op;
	int done = 1, r;
	/* Restart looks for held groups below the target; reload and scale, above it too. */
	bool skip_held = op == CTL_RESTART || op == CTL_RELOAD ||
	    op == CTL_SCALE;
	const struct cfg_node *top = op == CTL_RESTART ? t->node : NULL;

	for (id = t->node->id; id <= last; id++) {
		const struct cfg_node *w = c->tree->nodes[id];

		if (w->kind != CFG_WORKER)
			continue;
		if (skip_held && commands_in_held_group(c, w, top))
			continue;
		n = nodetab_count(supervisor_table(c->sv), id);
		for (k = 0; k < n; k++) {
			if (t->instance >= 0 && (unsigned)t->instance != k)
				continue;
			st = nodetab_get(supervisor_table(c->sv), id, k);
			if (op != CTL_STOP && st->held && w != t->node)
				continue;
			if (commands_is_cut(p, id, k))
				continue;
			if (op == CTL_STOP &&
			    commands_never_started(c, w, st, t->node))
				continue;
			r = commands_instance_done(st, op, p->t0);
			if (r < 0 && n > 1)
				snprintf(why, len, "%s:%u: failed to start", w->path, k);
			else if (r < 0)
				snprintf(why, len, "%s: failed to start", w->path);
			if (r < 0)
				return (-1);
			if (r == 0)
				done = 0;
		}
	}
	return (done);
}

/* Replies to P if it is done; returns true then. */
static bool
commands_try_finish(struct commands *c, struct pending *p)
{
	char why[512] = "";
	int done = 1, r;
	size_t k;

	for (k = 0; k < p->ntargets && done == 1; k++) {
		r = commands_target_done(c, p, &p->targets[k], why,
		    sizeof(why));
		if (r <= 0)
			done = r;
	}
	/* What a reload removed or a scale dropped must be gone too. */
	if (done == 1 && (p->cmd->op == CTL_RELOAD ||
	    p->cmd->op == CTL_SCALE) &&
	    (supervisor_retiring(c->sv) > 0 || p->nleft > 0))
		done = 0;
	if (done == 0)
		return (false);
	if (done < 0)
		control_error(p->conn, 1, "%s: %s", p->cmd->name, why);
	else if (p->cut_by != NULL)
		control_error(p->conn, 1, "%s: interrupted by %s",
		    p->cmd->name, p->cut_by);
	else
		control_reply(p->conn, json_pack("{sbss}", "ok", 1, "message",
		    p->spec));
	return (true);
}

void
commands_changed(struct supervisor *sv, void *arg)
{
	struct commands *c = arg;
	struct pending **pp = &c->pending, *p;

	while ((p = *pp) != NULL) {
		if (p->cmd->op != CTL_SHUTDOWN && commands_try_finish(c, p)) {
			*pp = p->next;
			pending_free(p);
		} else
			pp = &p->next;
	}
}

/* Answers P now if its op is done, else keeps it for later. */
void
commands_wait(struct commands *c, struct pending *p)
{
	if (commands_try_finish(c, p)) {
		pending_free(p);
		return;
	}
	p->next = c->pending;
	c->pending = p;
}

/* Commands under way name nodes of the old configuration: they end here. */
void
commands_interrupt(struct commands *c)
{
	struct pending **pp = &c->pending, *p;

	while ((p = *pp) != NULL) {
		if (p->cmd->op == CTL_SHUTDOWN) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		control_error(p->conn, 1, "%s: interrupted by a reload",
		    p->cmd->name);
		pending_free(p);
	}
}

/* The first group above T whose supervisor does not run, or NULL. */
static const struct cfg_node *
commands_blocked_at(struct commands *c, const struct cfg_node *t)
{
	const struct msg_node_state *st;
	const struct cfg_node *a;

	for (a = t->parent; a != NULL && a->parent != NULL; a = a->parent) {
		st = nodetab_get(supervisor_table(c->sv), a->id, 0);
		if (st == NULL || (st->state != SLOT_RUNNING &&
		    st->state != SLOT_STARTING))
			return (a);
	}
	return (NULL);
}

/*
 * The supervisors between the root and each target's own must run, or
 * nobody could carry P or answer it: the root tells at once, from its
 * table.
 */
bool
commands_blocked(struct commands *c, const struct pending *p, const char *spec)
{
	const struct cfg_node *b;
	size_t k;

	for (k = 0; k < p->ntargets; k++) {
		if ((b = commands_blocked_at(c, p->targets[k].node)) != NULL) {
			control_error(p->conn, 1, "%s %s: its group %s is not "
			    "running", p->cmd->name, spec, b->path);
			return (true);
		}
	}
	return (false);
}

/* Answered once the tree is down (commands_down). */
void
commands_shutdown(struct commands *c, struct control_conn *conn,
    const struct ctl_cmd *cmd)
{
	struct pending *p = xcalloc(1, sizeof(*p));

	p->conn = conn;
	p->cmd = cmd;
	p->next = c->pending;
	c->pending = p;
	if (!c->shutting_down) {
		c->shutting_down = 1;
		supervisor_terminate(c->sv);
	}
}

void
commands_hangup(struct commands *c)
{
	commands_reload(c, NULL, NULL);
}

/* A command of the table that a tree answers; the others are unknown here. */
void
commands_request(struct control_conn *conn, json_t *req, void *arg)
{
	struct commands *c = arg;
	const char *name = json_string_value(json_object_get(req, "cmd"));
	const struct ctl_cmd *cmd = c->find(name);

	if (cmd == NULL || cmd->handler == NULL) {
		control_error(conn, 2, "unknown command: %s", name);
		return;
	}
	cmd->handler(c, conn, req, cmd);
}

void
commands_down(struct commands *c)
{
	struct pending *p;

	while ((p = c->pending) != NULL) {
		c->pending = p->next;
		if (p->cmd->op == CTL_SHUTDOWN)
			control_reply(p->conn, json_pack("{sb}", "ok", 1));
		else
			control_error(p->conn, 1, "the tree stopped");
		pending_free(p);
	}
}
