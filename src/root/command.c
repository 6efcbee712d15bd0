#include <sys/pidfd.h>

#include <event2/event.h>

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clients.h"
#include "command.h"
#include "control.h"
#include "evlog.h"
#include "format.h"
#include "logsup.h"
#include "machine.h"
#include "msg.h"
#include "status.h"
#include "supervisor.h"
#include "target.h"
#include "units.h"
#include "xmalloc.h"

#define MAX_TARGETS 4096

#define OP_RELOAD	10
#define OP_SCALE	11

struct pending;

/* A process a scale or a reload drops: the reply waits for its exit. */
struct exitwatch {
	struct commands		*c;
	struct pending		*p;
	struct event		*ev;
	int			 fd;
};

struct pending {
	struct control_conn	*conn;
	int			 op;	/* enum cmd_op, OP_*, or 0 for shutdown */
	char			*spec;
	struct target		*targets;
	size_t			 ntargets;
	uint64_t		 t0;
	/* What a later stop took over: not this command's to finish. */
	struct target		*cuts;
	size_t			 ncuts;
	char			*cut_by;	/* that stop's TARGET */
	struct exitwatch	*watch;
	size_t			 nwatch;
	size_t			 nleft;		/* of those, not exited yet */
	struct pending		*next;
};

static void	commands_wait(struct commands *, struct pending *);

struct commands {
	const struct cfg_tree	*tree;
	struct supervisor	*sv;
	struct logsup		*logs;
	uint64_t		 started_ms;
	struct pending		*pending;
	int			 shutting_down;
};

static const char *op_names[] = {
	[CMD_STOP] = "stop", [CMD_START] = "start", [CMD_RESTART] = "restart",
	[OP_RELOAD] = "reload", [OP_SCALE] = "scale",
};

struct commands *
commands_new(const struct cfg_tree *t, struct supervisor *sv,
    struct logsup *logs, uint64_t started_ms)
{
	struct commands *c = xcalloc(1, sizeof(*c));

	c->tree = t;
	c->sv = sv;
	c->logs = logs;
	c->started_ms = started_ms;
	return (c);
}

static void
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

/* Resolves the request's target; replies with the error when there is none. */
static bool
commands_same_str(const char *a, const char *b)
{
	return (a == b || (a != NULL && b != NULL && strcmp(a, b) == 0));
}

static struct target *
commands_targets(struct control_conn *conn, const struct cfg_tree *t,
    struct supervisor *sv, const char *spec, size_t *n)
{
	struct target *tg = xcalloc(MAX_TARGETS, sizeof(*tg));
	size_t k;

	*n = target_resolve(t, spec, tg, MAX_TARGETS);
	for (k = 0; k < *n && k < MAX_TARGETS; k++) {
		if (tg[k].instance >= 0 && nodetab_get(supervisor_table(sv),
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

/* The whole `status --json` object, for /status. */
void
commands_status(struct obuf *b, void *arg)
{
	struct commands *c = arg;
	struct status_root sr = { .pid = (int)getpid(),
	    .started_ms = c->started_ms,
	    .restarts = supervisor_restarts(c->sv) };

	sr.log = logsup_status(c->logs);
	status_write(b, c->tree, supervisor_table(c->sv), &sr, NULL, 0,
	    supervisor_now());
	json_decref(sr.log);
}

static void
commands_status_req(struct commands *c, struct control_conn *conn, json_t *req)
{
	const char *spec = json_string_value(json_object_get(req, "target"));
	struct status_root sr = { .pid = (int)getpid(),
	    .started_ms = c->started_ms,
	    .restarts = supervisor_restarts(c->sv) };
	struct target *tg = NULL;
	struct obuf b = { 0 };
	size_t nt = 0;

	if (spec != NULL && *spec != '\0' &&
	    (tg = commands_targets(conn, c->tree, c->sv, spec, &nt)) == NULL)
		return;
	sr.log = logsup_status(c->logs);
	/* The envelope is fixed, so a client may print the object unparsed. */
	obuf_add(&b, CONTROL_STATUS_PREFIX, strlen(CONTROL_STATUS_PREFIX));
	status_write(&b, c->tree, supervisor_table(c->sv), &sr, tg, nt,
	    supervisor_now());
	obuf_add(&b, "}", 1);
	json_decref(sr.log);
	xfree(tg);
	control_reply_text(conn, b.p, b.len);
	obuf_free(&b);
}

/*
 * Where one worker instance stands for OP: 1 done, 0 not yet, -1 failed
 * (it was started and went to backoff or exited instead of running).
 */
static int
commands_instance_done(const struct msg_node_state *st, int op, uint64_t t0)
{
	bool fresh = st->since_ms >= t0;

	switch (op) {
	case CMD_STOP:
		/* Started since by another command (a scale): not this one's. */
		if (st->since_ms > t0 && st->state != SLOT_STOPPING)
			return (1);
		return (st->state == SLOT_STOPPED || st->state == SLOT_EXITED);
	case OP_SCALE:
		if (st->held)
			return (1);
		/* FALLTHROUGH */
	case CMD_START:
		if (st->state == SLOT_RUNNING)
			return (1);
		break;
	case OP_RELOAD:
		if (st->held)
			return (1);
		/* FALLTHROUGH */
	case CMD_RESTART:
		if (!fresh)
			return (0);
		if (st->state == SLOT_RUNNING)
			return (1);
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
 * A stop takes over what commands under way would start: they finish
 * without it, and say so.
 */
static void
commands_cut(struct commands *c, const struct pending *stop, const char *spec)
{
	struct pending *p;
	size_t i, k;

	for (p = c->pending; p != NULL; p = p->next) {
		if (p->op == 0 || p->op == CMD_STOP)
			continue;
		for (i = 0; i < stop->ntargets; i++) {
			for (k = 0; k < p->ntargets; k++) {
				if (commands_overlap(&stop->targets[i],
				    &p->targets[k]))
					break;
			}
			if (k == p->ntargets)
				continue;
			p->cuts = xreallocarray(p->cuts, p->ncuts + 1,
			    sizeof(*p->cuts));
			p->cuts[p->ncuts++] = stop->targets[i];
			if (p->cut_by == NULL)
				p->cut_by = xstrdup(spec);
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
	int done = 1, op = p->op, r;
	/* Restart looks for held groups below the target; reload and scale, above it too. */
	bool skip_held = op == CMD_RESTART || op == OP_RELOAD || op == OP_SCALE;
	const struct cfg_node *top = op == CMD_RESTART ? t->node : NULL;

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
			if (op != CMD_STOP && st->held && w != t->node)
				continue;
			if (commands_is_cut(p, id, k))
				continue;
			if (op == CMD_STOP &&
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
	if (done == 1 && (p->op == OP_RELOAD || p->op == OP_SCALE) &&
	    (supervisor_retiring(c->sv) > 0 || p->nleft > 0))
		done = 0;
	if (done == 0)
		return (false);
	if (done < 0)
		control_error(p->conn, 1, "%s: %s", op_names[p->op], why);
	else if (p->cut_by != NULL)
		control_error(p->conn, 1, "%s: interrupted by stop %s",
		    op_names[p->op], p->cut_by);
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
		if (p->op != 0 && commands_try_finish(c, p)) {
			*pp = p->next;
			pending_free(p);
		} else
			pp = &p->next;
	}
}

/*
 * The supervisors between the root and T's own must run, or nobody could
 * carry the command or answer it: the root tells at once, from its table.
 */
static const struct cfg_node *
commands_blocked(struct commands *c, const struct cfg_node *t)
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

static void
commands_unhold(struct commands *c, const struct cfg_node *g)
{
	unsigned id, last = nodetab_last(g), k;
	struct msg_node_state *st;

	for (id = g->id + 1; id <= last; id++) {
		for (k = 0; (st = nodetab_get(supervisor_table(c->sv), id, k)) != NULL;
		    k++)
			st->held = 0;
	}
}

static void
commands_act(struct commands *c, struct control_conn *conn, int op,
    const char *spec)
{
	struct pending *p;
	size_t k;

	if (c->shutting_down) {
		control_error(conn, 1, "the tree is shutting down");
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->conn = conn;
	p->op = op;
	p->spec = xstrdup(op_names[op]);
	p->t0 = supervisor_now();
	if ((p->targets = commands_targets(conn, c->tree, c->sv, spec, &p->ntargets)) == NULL) {
		pending_free(p);
		return;
	}
	for (k = 0; k < p->ntargets; k++) {
		const struct cfg_node *b = commands_blocked(c, p->targets[k].node);

		if (b != NULL) {
			control_error(conn, 1, "%s %s: its group %s is not running",
			    op_names[op], spec, b->path);
			pending_free(p);
			return;
		}
	}
	for (k = 0; k < p->ntargets; k++) {
		/* Every hold below a started group goes: so the table must say. */
		if (op == CMD_START && p->targets[k].node->kind == CFG_GROUP)
			commands_unhold(c, p->targets[k].node);
		if (supervisor_command(c->sv, p->targets[k].node,
		    p->targets[k].instance, op) < 0) {
			control_error(conn, 1, "%s %s: the group of %s is not running",
			    op_names[op], spec, p->targets[k].node->path);
			pending_free(p);
			return;
		}
	}
	if (op == CMD_STOP)
		commands_cut(c, p, spec);
	commands_wait(c, p);
}

/* Target K of TG lies inside another of them (which signals it). */
static bool
commands_covered(const struct target *tg, size_t nt, size_t k)
{
	size_t j;

	for (j = 0; j < nt; j++) {
		if (j != k && tg[j].instance < 0 &&
		    tg[k].node->id > tg[j].node->id &&
		    tg[k].node->id <= nodetab_last(tg[j].node))
			return (true);
	}
	return (false);
}

/* Signals every running instance target T covers; returns how many. */
static int
commands_signal_target(struct commands *c, const struct target *t, int sig,
    bool group)
{
	unsigned id, last = nodetab_last(t->node), inst;
	const struct msg_node_state *st;
	int sent = 0;

	for (id = t->node->id; id <= last; id++) {
		if (c->tree->nodes[id]->kind != CFG_WORKER)
			continue;
		for (inst = 0; inst < nodetab_count(supervisor_table(c->sv), id);
		    inst++) {
			if (t->instance >= 0 && (unsigned)t->instance != inst)
				continue;
			st = nodetab_get(supervisor_table(c->sv), id, inst);
			if (st->pid > 0 && (group ? killpg(st->pid, sig) :
			    kill(st->pid, sig)) == 0)
				sent++;
		}
	}
	return (sent);
}

/* The root knows every pid: it signals them itself; a group, all below it. */
static void
commands_signal(struct commands *c, struct control_conn *conn, json_t *req)
{
	const char *spec = json_string_value(json_object_get(req, "target"));
	const char *name = json_string_value(json_object_get(req, "signal"));
	bool group = json_is_true(json_object_get(req, "group"));
	struct target *tg;
	char err[128];
	size_t nt, k;
	int sig, sent = 0;

	if (spec == NULL || *spec == '\0' || name == NULL) {
		control_error(conn, 2, "signal: missing %s",
		    spec == NULL || *spec == '\0' ? "TARGET" : "SIGNAL");
		return;
	}
	if (units_signal(name, &sig, err, sizeof(err)) < 0) {
		control_error(conn, 2, "signal: %s", err);
		return;
	}
	if ((tg = commands_targets(conn, c->tree, c->sv, spec, &nt)) == NULL)
		return;
	/* A group and a worker below it may both match a bare name. */
	for (k = 0; k < nt; k++) {
		if (!commands_covered(tg, nt, k))
			sent += commands_signal_target(c, &tg[k], sig, group);
	}
	xfree(tg);
	if (sent == 0)
		control_error(conn, 1, "signal %s: no running worker", spec);
	else
		control_reply(conn, json_pack("{sbsi}", "ok", 1, "sent", sent));
}

static void
commands_shutdown(struct commands *c, struct control_conn *conn)
{
	struct pending *p = xcalloc(1, sizeof(*p));

	p->conn = conn;
	p->next = c->pending;
	c->pending = p;
	if (!c->shutting_down) {
		c->shutting_down = 1;
		supervisor_terminate(c->sv);
	}
}

/* The files a target's lines are in; the client reads them itself. */
static void
commands_logs(struct commands *c, struct control_conn *conn, json_t *req)
{
	const char *spec = json_string_value(json_object_get(req, "target"));
	json_t *files = json_array();
	struct target *tg;
	char path[4200];
	size_t nt, k;
	unsigned id, last;

	if (spec == NULL || *spec == '\0') {
		snprintf(path, sizeof(path), "%s/pmtree.log", c->tree->log.dir);
		json_array_append_new(files, json_string(path));
		spec = "";
	}
	if ((tg = commands_targets(conn, c->tree, c->sv, spec, &nt)) == NULL) {
		json_decref(files);
		return;
	}
	for (k = 0; k < nt; k++) {
		last = nodetab_last(tg[k].node);
		for (id = tg[k].node->id; id <= last; id++) {
			if (c->tree->nodes[id]->kind != CFG_WORKER)
				continue;
			snprintf(path, sizeof(path), "%s/%s.log", c->tree->log.dir,
			    c->tree->nodes[id]->path);
			json_array_append_new(files, json_string(path));
		}
	}
	xfree(tg);
	control_reply(conn, json_pack("{sbsoss}", "ok", 1, "files", files,
	    "format", c->tree->log.format == CFG_FORMAT_JSON ? "json" : "text"));
}

/* Answers P now if its predicate holds, else keeps it for later. */
static void
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
static void
commands_interrupt(struct commands *c)
{
	struct pending **pp = &c->pending, *p;

	while ((p = *pp) != NULL) {
		if (p->op == 0) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		control_error(p->conn, 1, "%s: interrupted by a reload",
		    op_names[p->op]);
		pending_free(p);
	}
}

static void
commands_exited(evutil_socket_t fd, short what, void *arg)
{
	struct exitwatch *w = arg;

	event_free(w->ev);
	w->ev = NULL;
	close(w->fd);
	w->p->nleft--;
	commands_changed(w->c->sv, w->c);	/* may free w */
}

/*
 * The processes of P's dropped instances, PIDS: a group's supervisor
 * reports them retiring only once it has read the command, so the root
 * watches them itself (a pidfd is readable once its process exited).
 */
static void
commands_watch(struct commands *c, struct pending *p, const pid_t *pids,
    size_t n)
{
	struct exitwatch *w;
	size_t k;
	int fd;

	p->watch = xcalloc(n > 0 ? n : 1, sizeof(*p->watch));
	for (k = 0; k < n; k++) {
		if ((fd = pidfd_open(pids[k], 0)) < 0) {
			if (errno != ESRCH)
				evlog("pmtree", "pidfd_open %d: %s", (int)pids[k],
				    strerror(errno));
			continue;
		}
		w = &p->watch[p->nwatch++];
		w->c = c;
		w->p = p;
		w->fd = fd;
		w->ev = event_new(supervisor_base(c->sv), fd, EV_READ,
		    commands_exited, w);
		event_add(w->ev, NULL);
		p->nleft++;
	}
}

/* Adds to V the pids of NODE's running instances from FIRST on. */
static void
commands_pids_from(struct commands *c, const struct cfg_node *node,
    unsigned first, pid_t **v, size_t *n, size_t *cap)
{
	unsigned k, count = nodetab_count(supervisor_table(c->sv), node->id);
	const struct msg_node_state *st;

	for (k = first; k < count; k++) {
		st = nodetab_get(supervisor_table(c->sv), node->id, k);
		if (st->pid <= 0)
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			*v = xreallocarray(*v, *cap, sizeof(**v));
		}
		(*v)[(*n)++] = st->pid;
	}
}

/* The running instances a reload to T drops: removed, or past T's count. */
static void
commands_watch_dropped(struct commands *c, struct pending *p,
    const struct cfg_tree *t)
{
	const struct cfg_node *o, *w;
	pid_t *v = NULL;
	size_t k, n = 0, cap = 0;

	for (k = 0; k < c->tree->nnodes; k++) {
		if ((o = c->tree->nodes[k])->kind != CFG_WORKER)
			continue;
		w = config_find(t, o->path);
		commands_pids_from(c, o, w != NULL && w->kind == CFG_WORKER ?
		    w->worker.instances : 0, &v, &n, &cap);
	}
	commands_watch(c, p, v, n);
	xfree(v);
}

static void
fresh_add(struct target **v, size_t *n, size_t *cap, const struct cfg_node *node,
    int instance)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[*n].node = node;
	(*v)[(*n)++].instance = instance;
}

/*
 * What a reload to T starts anew: workers new or changed (every instance),
 * and the instances of an unchanged worker past the count it runs now (a
 * scale down undone).
 */
static struct target *
commands_fresh(struct commands *c, const struct cfg_tree *t, size_t *n)
{
	struct target *v = NULL;
	const struct cfg_node *o, *w;
	size_t k, cap = 0;
	unsigned now, i;

	*n = 0;
	for (k = 0; k < t->nnodes; k++) {
		if ((w = t->nodes[k])->kind != CFG_WORKER)
			continue;
		o = config_find(c->tree, w->path);
		if (o == NULL || o->kind != CFG_WORKER ||
		    !config_worker_same(&o->worker, &w->worker)) {
			fresh_add(&v, n, &cap, w, TARGET_ALL);
			continue;
		}
		now = nodetab_count(supervisor_table(c->sv), o->id);
		for (i = now; i < w->worker.instances; i++)
			fresh_add(&v, n, &cap, w, (int)i);
	}
	return (v);
}

static char *
commands_diag_text(struct diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return (xstrdup("cannot load the file"));
	diag_print(d, f);
	fclose(f);
	if (len > 0 && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return (buf);
}

/*
 * `reload`: a bad file changes nothing; a good one becomes the next
 * configuration, which every supervisor applies to its own children.
 */
static void
commands_reload(struct commands *c, struct control_conn *conn)
{
	struct pending *p;
	struct cfg_tree *t;
	struct diag d;
	char *text;
	bool control;

	diag_init(&d, c->tree->file);
	t = config_load(c->tree->file, &d);
	if (t == NULL) {
		text = commands_diag_text(&d);
		if (conn != NULL)	/* printed as `pmtree check` prints them */
			control_reply(conn, json_pack("{sbsssisb}", "ok", 0,
			    "error", text, "exit", 2, "diag", 1));
		else
			evlog("pmtree", "reload: nothing changed:\n%s", text);
		xfree(text);
		diag_free(&d);
		return;
	}
	diag_free(&d);
	malloc_trim(0);	/* libyaml's holes, before groups are forked anew */
	control = !commands_same_str(t->control_socket, c->tree->control_socket) ||
	    !commands_same_str(t->control_http, c->tree->control_http);
	commands_interrupt(c);
	p = xcalloc(1, sizeof(*p));
	p->conn = conn;
	p->op = OP_RELOAD;
	p->spec = xstrdup(control ? "reloaded; the control settings take "
	    "effect at the next `pmtree run`" : "reloaded");
	p->t0 = supervisor_now();
	p->targets = commands_fresh(c, t, &p->ntargets);
	commands_watch_dropped(c, p, t);
	logsup_settings(c->logs, t);
	c->tree = t;
	supervisor_reload(c->sv, t, supervisor_gen(c->sv) + 1);
	clients_workers(t->nworkers);
	if (conn != NULL)
		commands_wait(c, p);
	else
		pending_free(p);
}

void
commands_hangup(struct commands *c)
{
	commands_reload(c, NULL);
}

/* The worker instances the tree runs now. */
static size_t
commands_instances(struct commands *c)
{
	struct nodetab *tab = supervisor_table(c->sv);
	size_t n = 0;
	unsigned id;

	for (id = 0; id < c->tree->nnodes; id++) {
		if (c->tree->nodes[id]->kind == CFG_WORKER)
			n += nodetab_count(tab, id);
	}
	return (n);
}

/* `scale TARGET N`: every worker TARGET names runs N instances. */
static void
commands_scale(struct commands *c, struct control_conn *conn, json_t *req)
{
	const char *spec = json_string_value(json_object_get(req, "target"));
	json_int_t n = json_integer_value(json_object_get(req, "count"));
	struct pending *p;
	pid_t *v = NULL;
	size_t k, nv = 0, cap = 0;

	if (spec == NULL || n < 1 || n > CFG_MAX_WORKERS) {
		control_error(conn, 2, "scale: N must be a number from 1 to %d",
		    CFG_MAX_WORKERS);
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->conn = conn;
	p->op = OP_SCALE;
	p->spec = xstrdup("scaled");
	p->t0 = supervisor_now();
	if ((p->targets = commands_targets(conn, c->tree, c->sv, spec,
	    &p->ntargets)) == NULL) {
		pending_free(p);
		return;
	}
	for (k = 0; k < p->ntargets; k++) {
		const struct cfg_node *b = commands_blocked(c, p->targets[k].node);

		if (b != NULL) {
			control_error(conn, 1, "scale %s: its group %s is not "
			    "running", spec, b->path);
			pending_free(p);
			xfree(v);
			return;
		}
	}
	for (k = 0; k < p->ntargets; k++) {
		if (p->targets[k].node->kind == CFG_WORKER &&
		    p->targets[k].instance == TARGET_ALL)
			commands_pids_from(c, p->targets[k].node, (unsigned)n,
			    &v, &nv, &cap);
		if (p->targets[k].node->kind != CFG_WORKER ||
		    p->targets[k].instance != TARGET_ALL ||
		    supervisor_scale(c->sv, p->targets[k].node, (unsigned)n) < 0) {
			control_error(conn, 1, "scale %s: %s", spec,
			    p->targets[k].node->kind != CFG_WORKER ||
			    p->targets[k].instance != TARGET_ALL ?
			    "it takes a worker, not a group or an instance" :
			    "its group is busy or not running");
			pending_free(p);
			xfree(v);
			return;
		}
	}
	clients_workers(commands_instances(c));
	commands_watch(c, p, v, nv);
	xfree(v);
	commands_wait(c, p);
}

void
commands_request(struct control_conn *conn, json_t *req, void *arg)
{
	struct commands *c = arg;
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	const char *spec = json_string_value(json_object_get(req, "target"));
	int op;

	if (strcmp(cmd, "status") == 0) {
		commands_status_req(c, conn, req);
		return;
	}
	if (strcmp(cmd, "shutdown") == 0) {
		commands_shutdown(c, conn);
		return;
	}
	if (strcmp(cmd, "signal") == 0) {
		commands_signal(c, conn, req);
		return;
	}
	if (strcmp(cmd, "logs") == 0) {
		commands_logs(c, conn, req);
		return;
	}
	if (strcmp(cmd, "reload") == 0) {
		commands_reload(c, conn);
		return;
	}
	if (strcmp(cmd, "scale") == 0) {
		commands_scale(c, conn, req);
		return;
	}
	for (op = CMD_STOP; op <= CMD_RESTART; op++) {
		if (strcmp(cmd, op_names[op]) != 0)
			continue;
		if (spec == NULL || *spec == '\0')
			control_error(conn, 2, "%s: missing TARGET", cmd);
		else
			commands_act(c, conn, op, spec);
		return;
	}
	control_error(conn, 2, "unknown command: %s", cmd);
}

void
commands_down(struct commands *c)
{
	struct pending *p;

	while ((p = c->pending) != NULL) {
		c->pending = p->next;
		if (p->op == 0)
			control_reply(p->conn, json_pack("{sb}", "ok", 1));
		else
			control_error(p->conn, 1, "the tree stopped");
		pending_free(p);
	}
}
