/*
 * reload and scale: a new configuration, or a new instance count for some
 * workers, applied by every supervisor to its own children.  The reply
 * waits for what starts anew to run and for what is dropped to be gone:
 * the root watches each dropped process itself, with a pidfd.
 */
#include <sys/pidfd.h>

#include <event2/event.h>

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clients.h"
#include "cmdint.h"
#include "control.h"
#include "evlog.h"
#include "logsup.h"
#include "supervisor.h"
#include "xmalloc.h"

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
void
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

void
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
static bool
commands_same_str(const char *a, const char *b)
{
	return (a == b || (a != NULL && b != NULL && strcmp(a, b) == 0));
}

void
commands_reload(struct commands *c, struct control_conn *conn,
    const struct ctl_cmd *cmd)
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
	p = pending_new(conn, cmd, control ? "reloaded; the control settings "
	    "take effect at the next `pmtree run`" : "reloaded");
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

/* N instances of a target with `port` would give one a port past 65535. */
static bool
commands_ports_past(struct control_conn *conn, const struct pending *p,
    const char *spec, unsigned n)
{
	const struct cfg_node *node;
	size_t k;

	for (k = 0; k < p->ntargets; k++) {
		node = p->targets[k].node;
		if (node->kind != CFG_WORKER || node->worker.port == 0 ||
		    (unsigned long long)node->worker.port + n - 1 <=
		    CFG_MAX_PORT)
			continue;
		control_error(conn, 1, "scale %s: %s has port %u: %u "
		    "instances would go past port %d", spec, node->path,
		    node->worker.port, n, CFG_MAX_PORT);
		return (true);
	}
	return (false);
}

/* `scale TARGET N`: every worker TARGET names runs N instances. */
void
commands_scale(struct commands *c, struct control_conn *conn,
    const struct ctl_cmd *cmd, const char *spec, unsigned n)
{
	struct pending *p;
	pid_t *v = NULL;
	size_t k, nv = 0, cap = 0;

	p = pending_new(conn, cmd, "scaled");
	if ((p->targets = commands_targets(c, conn, spec, &p->ntargets)) == NULL ||
	    commands_blocked(c, p, spec)) {
		pending_free(p);
		return;
	}
	if (commands_ports_past(conn, p, spec, n)) {
		pending_free(p);
		return;
	}
	for (k = 0; k < p->ntargets; k++) {
		if (p->targets[k].node->kind == CFG_WORKER &&
		    p->targets[k].instance == TARGET_ALL)
			commands_pids_from(c, p->targets[k].node, n,
			    &v, &nv, &cap);
		if (p->targets[k].node->kind != CFG_WORKER ||
		    p->targets[k].instance != TARGET_ALL ||
		    supervisor_scale(c->sv, p->targets[k].node, n) < 0) {
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
