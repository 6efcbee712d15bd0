/*
 * The executor: performs what the machine decides and feeds it what
 * happens.  Every syscall lives here or below (spawn.c, group.c); every
 * decision lives in machine.c.
 */
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "evlog.h"
#include "group.h"
#include "ipc.h"
#include "logconn.h"
#include "machine.h"
#include "msg.h"
#include "orphans.h"
#include "pidmap.h"
#include "spawn.h"
#include "supervisor.h"
#include "units.h"
#include "workerenv.h"
#include "xmalloc.h"

#define DRAIN_MS 2000	/* how long a finished worker's output may take */

struct child {
	struct supervisor	*sv;
	size_t			 slot;
	pid_t			 pid;
	struct event		*timer;
	struct ipc		*ipc;	/* a child group's channel */
	struct event		*drain;	/* reaped, waiting for its output */
	struct exit_info	 exit;
	pid_t			 draining;
	char			 name[256];
};

struct supervisor {
	struct event_base	*base;
	const struct cfg_tree	*tree;
	const struct cfg_node	*group;
	struct sm		 sm;
	struct child		**kids;		/* stable: callbacks hold them */
	struct pidmap		 pids;
	struct pidmap		 draining;	/* reaped, output not yet drained */
	struct logconn		*logc;
	struct nodetab		 tab;
	struct ipc		*up;
	int			 sigfd;
	struct event		*sigev;
	int			 nterm;
	bool			 done;
	int			 status;
	supervisor_cb		*on_ready;
	void			*on_ready_arg;
	void			(*on_signal)(struct supervisor *, int, void *);
	void			*on_signal_arg;
	supervisor_cb		*on_change;
	void			*on_change_arg;
	bool			(*on_reap)(pid_t, int, void *);
	void			*on_reap_arg;
};

static void	sv_drain(struct supervisor *);

uint64_t
supervisor_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

void
supervisor_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
}

/* "pmtree" for the root itself, else the group's path. */
static const char *
sv_who(const struct supervisor *sv)
{
	return (sv->group->parent == NULL ? "pmtree" : sv->group->path);
}

static void
sv_fmt_exit(char *buf, size_t len, struct exit_info x)
{
	const char *name;

	if (x.code >= 0) {
		snprintf(buf, len, "exited with code %d", x.code);
		return;
	}
	name = units_signal_name(x.sig);
	if (name != NULL)
		snprintf(buf, len, "killed by signal %s", name);
	else
		snprintf(buf, len, "killed by signal %d", x.sig);
}

/* --- state reports ------------------------------------------------------ */

static void
sv_send_up(struct supervisor *sv, const struct msg_node_state *st)
{
	if (sv->up != NULL)
		(void)ipc_send(sv->up, MSG_NODE_STATE, st, sizeof(*st));
	if (sv->on_change != NULL)
		sv->on_change(sv, sv->on_change_arg);
}

static void
sv_report(struct supervisor *sv, size_t i)
{
	struct slot *s = &sv->sm.slots[i];
	struct msg_node_state *st;

	st = nodetab_get(&sv->tab, s->node->id, s->instance);
	st->node = s->node->id;
	st->instance = s->instance;
	st->pid = sm_slot_live(s) ? sv->kids[i]->pid : 0;
	st->state = (uint8_t)s->state;
	st->ready = s->state == SLOT_RUNNING;
	st->restarts = s->starts > 0 ? s->starts - 1 : 0;
	st->has_exit = s->has_exit;
	st->held = s->held;
	st->exit_code = s->last.code;
	st->exit_sig = s->last.sig;
	st->since_ms = s->started_at;
	st->next_ms = s->state == SLOT_BACKOFF ? s->due : 0;
	sv_send_up(sv, st);
}

/* Tells the parent that this group's children are all up. */
static void
sv_report_ready(struct supervisor *sv)
{
	struct msg_node_state st = {
		.node = sv->group->id,
		.state = SLOT_RUNNING,
		.ready = 1,
		.pid = (int32_t)getpid(),
	};

	sv_send_up(sv, &st);
	if (sv->on_ready != NULL)
		sv->on_ready(sv, sv->on_ready_arg);
}

/*
 * A child group's supervisor is gone: its workers may not have been told.
 * Their process groups are killed from what it last reported.
 */
static void
sv_kill_subtree(struct supervisor *sv, const struct cfg_node *g)
{
	unsigned id, last = nodetab_last(g), k, n;
	struct msg_node_state *st;

	for (id = g->id + 1; id <= last; id++) {
		const struct cfg_node *c = sv->tree->nodes[id];

		n = c->kind == CFG_WORKER ? c->worker.instances : 1;
		for (k = 0; k < n; k++) {
			st = nodetab_get(&sv->tab, id, k);
			if (c->kind == CFG_WORKER && st->pid > 0)
				(void)killpg(st->pid, SIGKILL);
			if (st->pid == 0 && st->state == SLOT_WAITING)
				continue;
			st->pid = 0;
			st->ready = 0;
			st->state = st->held ? SLOT_STOPPED : SLOT_WAITING;
			sv_send_up(sv, st);
		}
	}
}

/* --- actions ------------------------------------------------------------ */

static void
sv_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child *k = arg;

	sm_timer(&k->sv->sm, k->slot, supervisor_now());
	sv_drain(k->sv);
}

static void
sv_arm(struct supervisor *sv, size_t i, uint64_t due)
{
	struct child *k = sv->kids[i];
	uint64_t now, ms;
	struct timeval tv;

	if (due == 0) {
		if (k->timer != NULL)
			evtimer_del(k->timer);
		return;
	}
	if (k->timer == NULL)
		k->timer = evtimer_new(sv->base, sv_timer_cb, k);
	now = supervisor_now();
	ms = due > now ? due - now : 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(k->timer, &tv);
}

static void
sv_spawn_failed(struct supervisor *sv, size_t i, const char *what, int err)
{
	struct exit_info x = { .code = 127 };

	evlog(sv->kids[i]->name, "%s: %s", what, strerror(err));
	sm_exited(&sv->sm, i, x, supervisor_now());
}

/* The worker's stdout and stderr: pipes whose read ends go to the collector. */
static int
sv_pipes(int out[2], int err[2])
{
	if (pipe2(out, O_CLOEXEC) < 0)
		return (-1);
	if (pipe2(err, O_CLOEXEC) == 0)
		return (0);
	close(out[0]);
	close(out[1]);
	return (-1);
}

static void
sv_spawn_worker(struct supervisor *sv, size_t i)
{
	const struct slot *s = &sv->sm.slots[i];
	const struct cfg_worker *w = &s->node->worker;
	struct spawn_req req = { .argv = w->argv, .cwd = w->cwd,
	    .extra_fd = -1 };
	struct workerenv env;
	int out[2], err[2], xerr, saved;
	pid_t pid;

	if (sv_pipes(out, err) < 0) {
		sv_spawn_failed(sv, i, "pipe", errno);
		return;
	}
	req.out_fd = out[1];
	req.err_fd = err[1];
	workerenv_build(&env, sv->tree, s->node, s->instance, sv->kids[i]->name);
	req.envp = env.envp;
	req.path = workerenv_get(&env, "PATH");
	pid = spawn_worker(&req, &xerr);
	saved = errno;
	workerenv_free(&env);
	if (pid > 0 && xerr != 0)	/* in its own log, as an err record */
		dprintf(err[1], "exec %s: %s\n", w->argv[0], strerror(xerr));
	close(out[1]);
	close(err[1]);
	if (pid < 0) {
		close(out[0]);
		close(err[0]);
		sv_spawn_failed(sv, i, "fork", saved);
		return;
	}
	sv->kids[i]->pid = pid;
	pidmap_put(&sv->pids, pid, i);
	logconn_add(sv->logc, &(struct logmsg){ .instance = s->instance,
	    .pid = pid, .multi = w->instances > 1, .log_off = w->log_off,
	    .log_file = (int8_t)w->log_file, .log_stdout = (int8_t)w->log_stdout },
	    s->node->path, out[0], err[0]);
	if (xerr != 0) {
		evlog(sv->kids[i]->name, "exec %s: %s", w->argv[0], strerror(xerr));
		return;	/* the child exits 127: reaped as a failed start */
	}
	evlog(sv->kids[i]->name, "started (pid %d)", (int)pid);
	if (w->ready == CFG_READY_NONE)
		sm_ready(&sv->sm, i, supervisor_now());
}

static int	sv_group_msg(struct ipc *, uint16_t, const void *, size_t, void *);
static void	sv_group_closed(struct ipc *, const char *, void *);

static void
sv_spawn_group(struct supervisor *sv, size_t i)
{
	struct child *k = sv->kids[i];
	int fd;
	pid_t pid;

	pid = group_fork(sv->tree, sv->sm.slots[i].node, &sv->tab, &fd);
	if (pid < 0) {
		sv_spawn_failed(sv, i, "fork", errno);
		return;
	}
	k->pid = pid;
	pidmap_put(&sv->pids, pid, i);
	k->ipc = ipc_new(sv->base, fd, msg_types, MSG_NTYPES, sv_group_msg,
	    sv_group_closed, k);
	if (k->ipc == NULL) {
		close(fd);
		(void)kill(pid, SIGKILL);
	}
}

static void
sv_signal(struct supervisor *sv, size_t i, int sig)
{
	const struct slot *s = &sv->sm.slots[i];
	pid_t pid = sv->kids[i]->pid;

	if (pid <= 0)
		return;
	if (s->node->kind == CFG_GROUP)
		(void)kill(pid, sig);
	else if (killpg(pid, sig) < 0 && errno == ESRCH)
		(void)kill(pid, sig);
}

static void
sv_note(struct supervisor *sv, const struct action *a)
{
	const char *who = sv->kids[a->slot]->name;

	switch (a->note) {
	case NOTE_RESTART:
		evlog(who, "restarting in %llu ms", (unsigned long long)a->value);
		break;
	case NOTE_NO_RESTART:
		evlog(who, "not restarted (%s)",
		    sv->sm.slots[a->slot].node->kind == CFG_WORKER &&
		    sv->sm.slots[a->slot].node->worker.restart == CFG_TEMPORARY ?
		    "temporary" : "transient, normal exit");
		break;
	case NOTE_GAVE_UP:
		evlog(sv_who(sv), "gave up: more than %u restarts within %llu ms",
		    sv->group->group.intensity,
		    (unsigned long long)sv->group->group.period_ms);
		break;
	case NOTE_READY_TIMEOUT:
		evlog(who, "not ready in time: stopping");
		break;
	case NOTE_KILL:
		evlog(who, "did not stop in time: SIGKILL");
		break;
	}
}

static void
sv_perform(struct supervisor *sv, const struct action *a)
{
	switch (a->kind) {
	case ACT_SPAWN:
		if (sv->sm.slots[a->slot].node->kind == CFG_GROUP)
			sv_spawn_group(sv, a->slot);
		else
			sv_spawn_worker(sv, a->slot);
		break;
	case ACT_SIGNAL:
		sv_signal(sv, a->slot, a->sig);
		break;
	case ACT_TIMER:
		sv_arm(sv, a->slot, a->value);
		break;
	case ACT_REPORT:
		sv_report(sv, a->slot);
		break;
	case ACT_NOTE:
		sv_note(sv, a);
		break;
	case ACT_READY:
		sv_report_ready(sv);
		break;
	case ACT_EXIT:
		sv->done = true;
		sv->status = (int)a->value;
		event_base_loopexit(sv->base, NULL);
		break;
	}
}

/* Performs every queued action; performing one may queue more. */
static void
sv_drain(struct supervisor *sv)
{
	struct action a;

	while (sm_next(&sv->sm, &a))
		sv_perform(sv, &a);
}

/* --- commands ----------------------------------------------------------- */

static void
sv_command_slot(struct supervisor *sv, size_t i, int op, uint64_t now)
{
	switch (op) {
	case CMD_STOP:
		sm_cmd_stop(&sv->sm, i, now);
		break;
	case CMD_START:
		sm_cmd_start(&sv->sm, i, now);
		break;
	case CMD_RESTART:
		sm_cmd_restart(&sv->sm, i, now);
		break;
	}
}

/*
 * `start GROUP` releases every held worker below it too: the live child
 * groups are told, and those that will be forked anew inherit no hold.
 */
static void
sv_release_below(struct supervisor *sv)
{
	struct msg_command m = { .op = CMD_START, .instance = -1 };
	unsigned id, last = nodetab_last(sv->group), k;
	struct msg_node_state *st;
	size_t i;

	for (id = sv->group->id + 1; id <= last; id++) {
		for (k = 0; (st = nodetab_get(&sv->tab, id, k)) != NULL; k++)
			st->held = 0;
	}
	for (i = 0; i < sv->sm.nslots; i++) {
		if (sv->sm.slots[i].node->kind != CFG_GROUP ||
		    sv->kids[i]->ipc == NULL)
			continue;
		m.node = sv->sm.slots[i].node->id;
		(void)ipc_send(sv->kids[i]->ipc, MSG_COMMAND, &m, sizeof(m));
	}
}

static void
sv_command_all(struct supervisor *sv, int op, uint64_t now)
{
	if (op == CMD_START)
		sv_release_below(sv);
	switch (op) {
	case CMD_STOP:
		sm_cmd_stop_all(&sv->sm, now);
		break;
	case CMD_START:
		sm_cmd_start_all(&sv->sm, now);
		break;
	case CMD_RESTART:
		sm_cmd_restart_all(&sv->sm, now);
		break;
	}
}

/* The slot of the child group through which NODE is reached, or -1. */
static ssize_t
sv_route(struct supervisor *sv, const struct cfg_node *node)
{
	size_t i;

	while (node->parent != NULL && node->parent != sv->group)
		node = node->parent;
	if (node->parent == NULL || node->kind != CFG_GROUP)
		return (-1);
	for (i = 0; i < sv->sm.nslots; i++) {
		if (sv->sm.slots[i].node == node)
			return ((ssize_t)i);
	}
	return (-1);
}

int
supervisor_command(struct supervisor *sv, const struct cfg_node *node,
    int inst, int op)
{
	struct msg_command m = { .node = node->id, .instance = inst,
	    .op = (uint8_t)op };
	uint64_t now = supervisor_now();
	ssize_t via;
	size_t i;

	if (node == sv->group) {
		sv_command_all(sv, op, now);
	} else if (node->kind == CFG_WORKER && node->parent == sv->group) {
		for (i = 0; i < sv->sm.nslots; i++) {
			const struct slot *s = &sv->sm.slots[i];

			if (s->node == node && (inst < 0 || s->instance == (unsigned)inst))
				sv_command_slot(sv, i, op, now);
		}
	} else {
		via = sv_route(sv, node);
		if (via < 0 || sv->kids[via]->ipc == NULL ||
		    sv->sm.slots[via].state != SLOT_RUNNING)
			return (-1);
		return (ipc_send(sv->kids[via]->ipc, MSG_COMMAND, &m, sizeof(m)));
	}
	sv_drain(sv);
	return (0);
}

/* --- child groups ------------------------------------------------------- */

static int
sv_group_msg(struct ipc *c, uint16_t type, const void *data, size_t len,
    void *arg)
{
	struct child *k = arg;
	struct supervisor *sv = k->sv;
	const struct cfg_node *g = sv->sm.slots[k->slot].node;
	struct msg_node_state m, *st;

	memcpy(&m, data, sizeof(m));
	if (m.node == g->id) {
		if (m.ready)
			sm_ready(&sv->sm, k->slot, supervisor_now());
		sv_drain(sv);
		return (0);
	}
	if (m.node <= g->id || m.node > nodetab_last(g) ||
	    m.state >= SLOT_NSTATES ||
	    (st = nodetab_get(&sv->tab, m.node, m.instance)) == NULL)
		return (-1);
	*st = m;
	sv_send_up(sv, st);
	return (0);
}

/* EOF or a bad frame: the group's supervisor is dying or must. */
static void
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

/* --- reaping and signals ------------------------------------------------ */

/* Reaped and drained: now the machine hears of it. */
static void
sv_finish(struct supervisor *sv, size_t i)
{
	struct child *k = sv->kids[i];
	const struct cfg_node *n = sv->sm.slots[i].node;
	char what[64];

	sv_fmt_exit(what, sizeof(what), k->exit);
	if (n->kind == CFG_GROUP && k->exit.code == SM_EXIT_GAVE_UP)
		evlog(k->name, "supervisor gave up");
	else if (sv->sm.slots[i].state == SLOT_STOPPING)
		evlog(k->name, "stopped (%s)", what);
	else
		evlog(k->name, "%s", what);
	k->pid = 0;
	k->draining = 0;
	sm_exited(&sv->sm, i, k->exit, supervisor_now());
	sv_drain(sv);
}

static void
sv_drained(pid_t pid, void *arg)
{
	struct supervisor *sv = arg;
	size_t i;

	if (pidmap_take(&sv->draining, pid, &i) < 0)
		return;	/* already given up on */
	evtimer_del(sv->kids[i]->drain);
	sv_finish(sv, i);
}

static void
sv_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct child *k = arg;
	size_t i;

	if (pidmap_take(&k->sv->draining, k->draining, &i) < 0)
		return;
	evlog(k->name, "output not drained after %d ms: going on", DRAIN_MS);
	sv_finish(k->sv, i);
}

/*
 * A worker is finished only once its output is drained too, so that its
 * last lines are logged before its exit is acted on.  What it left behind,
 * in its process group or adopted by us, goes first: it may hold the pipes.
 */
static void
sv_reaped(struct supervisor *sv, size_t i, int status)
{
	struct child *k = sv->kids[i];
	const struct cfg_node *n = sv->sm.slots[i].node;
	struct timeval tv = { DRAIN_MS / 1000, (DRAIN_MS % 1000) * 1000 };

	k->exit.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	k->exit.sig = WIFEXITED(status) ? 0 : WTERMSIG(status);
	if (n->kind == CFG_GROUP) {
		ipc_free(k->ipc);
		k->ipc = NULL;
		if (k->exit.code != SM_EXIT_OK)
			sv_kill_subtree(sv, n);
		sv_finish(sv, i);
		return;
	}
	(void)killpg(k->pid, SIGKILL);
	(void)orphans_kill(&sv->pids, k->name);
	if (!logconn_has(sv->logc, k->pid)) {
		sv_finish(sv, i);
		return;
	}
	if (k->drain == NULL)
		k->drain = evtimer_new(sv->base, sv_drain_timeout, k);
	k->draining = k->pid;
	pidmap_put(&sv->draining, k->pid, i);
	evtimer_add(k->drain, &tv);
}

static void
sv_reap(struct supervisor *sv)
{
	size_t slot;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (WIFSTOPPED(status) || WIFCONTINUED(status))
			continue;
		/* Unknown pids: the root's collector, or orphans we adopted. */
		if (pidmap_take(&sv->pids, pid, &slot) == 0)
			sv_reaped(sv, slot, status);
		else if (sv->on_reap != NULL)
			(void)sv->on_reap(pid, status, sv->on_reap_arg);
		sv_drain(sv);
	}
}

void
supervisor_terminate(struct supervisor *sv)
{
	uint64_t now = supervisor_now();

	if (sv->nterm++ == 0) {
		evlog(sv_who(sv), "stopping");
		sm_shutdown(&sv->sm, SM_EXIT_OK, now);
	} else {
		evlog(sv_who(sv), "stopping now: killing everything");
		sm_kill_all(&sv->sm, now);
	}
	sv_drain(sv);
}

static void
sv_signal_cb(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *sv = arg;
	struct signalfd_siginfo si;
	ssize_t n;

	while ((n = read(fd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			sv_reap(sv);
			break;
		case SIGTERM:
			supervisor_terminate(sv);
			break;
		case SIGINT:
			/* For a group, INT is the parent's order to kill everything. */
			if (sv->up != NULL)
				sv->nterm++;
			supervisor_terminate(sv);
			break;
		default:
			if (sv->on_signal != NULL)
				sv->on_signal(sv, (int)si.ssi_signo,
				    sv->on_signal_arg);
		}
	}
}

/* The parent is gone (EOF) or mad: nobody is left to stop us cleanly. */
static void
sv_up_closed(struct ipc *c, const char *why, void *arg)
{
	struct supervisor *sv = arg;
	size_t i;

	evlog(sv_who(sv), "lost the parent supervisor (%s): killing the group", why);
	for (i = 0; i < sv->sm.nslots; i++) {
		if (sv->kids[i]->pid > 0 && sv->sm.slots[i].node->kind == CFG_WORKER)
			(void)killpg(sv->kids[i]->pid, SIGKILL);
	}
	sv->done = true;
	sv->status = 1;
	event_base_loopexit(sv->base, NULL);
}

/* A command from the parent; one for a node outside our subtree is a bug. */
static int
sv_up_msg(struct ipc *c, uint16_t type, const void *data, size_t len, void *arg)
{
	struct supervisor *sv = arg;
	struct msg_command m;

	if (type != MSG_COMMAND)
		return (-1);
	memcpy(&m, data, sizeof(m));
	if (m.node < sv->group->id || m.node > nodetab_last(sv->group) ||
	    m.op < CMD_STOP || m.op > CMD_RESTART)
		return (-1);
	if (supervisor_command(sv, sv->tree->nodes[m.node], m.instance, m.op) < 0)
		evlog(sv_who(sv), "command for %s: its group is not running",
		    sv->tree->nodes[m.node]->path);
	return (0);
}

/* --- life cycle --------------------------------------------------------- */

static void
sv_name_kids(struct supervisor *sv)
{
	size_t i;

	for (i = 0; i < sv->sm.nslots; i++) {
		const struct slot *s = &sv->sm.slots[i];
		struct child *k = sv->kids[i];

		k->sv = sv;
		k->slot = i;
		if (s->node->kind == CFG_WORKER && s->node->worker.instances > 1)
			snprintf(k->name, sizeof(k->name), "%s:%u", s->node->path,
			    s->instance);
		else
			snprintf(k->name, sizeof(k->name), "%s", s->node->path);
	}
}

/* The workers held in the group's previous life stay stopped. */
static void
sv_inherit(struct supervisor *sv, const struct nodetab *from)
{
	const struct msg_node_state *st;
	size_t i;

	for (i = 0; i < sv->sm.nslots; i++) {
		st = nodetab_get((struct nodetab *)from, sv->sm.slots[i].node->id,
		    sv->sm.slots[i].instance);
		if (st != NULL && st->held)
			sm_hold(&sv->sm, i);
	}
}

struct supervisor *
supervisor_new(struct event_base *base, const struct cfg_tree *tree,
    const struct cfg_node *group, int upfd, const struct nodetab *inherit)
{
	struct supervisor *sv = xcalloc(1, sizeof(*sv));
	sigset_t set;
	size_t i;

	sv->base = base;
	sv->tree = tree;
	sv->group = group;
	sv->sigfd = -1;
	sm_init(&sv->sm, group);
	sv->kids = xcalloc(sv->sm.nslots ? sv->sm.nslots : 1, sizeof(*sv->kids));
	for (i = 0; i < sv->sm.nslots; i++)
		sv->kids[i] = xcalloc(1, sizeof(**sv->kids));
	sv_name_kids(sv);
	pidmap_init(&sv->pids, sv->sm.nslots);
	pidmap_init(&sv->draining, 16);
	nodetab_init(&sv->tab, tree, group);
	sv->logc = logconn_new(base, sv_drained, sv);
	if (inherit != NULL)
		sv_inherit(sv, inherit);
	supervisor_sigset(&set);
	sv->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sv->sigfd < 0)
		goto fail;
	sv->sigev = event_new(base, sv->sigfd, EV_READ | EV_PERSIST,
	    sv_signal_cb, sv);
	if (sv->sigev == NULL || event_add(sv->sigev, NULL) < 0)
		goto fail;
	if (upfd >= 0) {
		sv->up = ipc_new(base, upfd, msg_types, MSG_NTYPES, sv_up_msg,
		    sv_up_closed, sv);
		if (sv->up == NULL)
			goto fail;
	}
	return (sv);
fail:
	evlog(sv_who(sv), "setting up the event loop: %s", strerror(errno));
	supervisor_free(sv);
	return (NULL);
}

void
supervisor_free(struct supervisor *sv)
{
	size_t i;

	if (sv == NULL)
		return;
	for (i = 0; i < sv->sm.nslots; i++) {
		if (sv->kids[i]->timer != NULL)
			event_free(sv->kids[i]->timer);
		if (sv->kids[i]->drain != NULL)
			event_free(sv->kids[i]->drain);
		ipc_free(sv->kids[i]->ipc);
		free(sv->kids[i]);
	}
	logconn_free(sv->logc);
	pidmap_free(&sv->draining);
	ipc_free(sv->up);
	if (sv->sigev != NULL)
		event_free(sv->sigev);
	if (sv->sigfd >= 0)
		close(sv->sigfd);
	nodetab_free(&sv->tab);
	pidmap_free(&sv->pids);
	free(sv->kids);
	sm_free(&sv->sm);
	free(sv);
}

int
supervisor_run(struct supervisor *sv)
{
	sm_start(&sv->sm, supervisor_now());
	sv_drain(sv);
	while (!sv->done) {
		if (event_base_loop(sv->base, EVLOOP_ONCE) < 0) {
			evlog(sv_who(sv), "event loop: %s", strerror(errno));
			sv->status = 1;
			break;
		}
	}
	/* Whatever was adopted and still lives must not outlive us. */
	(void)orphans_kill(&sv->pids, NULL);
	return (sv->status);
}

void
supervisor_on_ready(struct supervisor *sv, supervisor_cb *cb, void *arg)
{
	sv->on_ready = cb;
	sv->on_ready_arg = arg;
}

void
supervisor_on_reap(struct supervisor *sv, bool (*cb)(pid_t, int, void *),
    void *arg)
{
	sv->on_reap = cb;
	sv->on_reap_arg = arg;
}

void
supervisor_on_change(struct supervisor *sv, supervisor_cb *cb, void *arg)
{
	sv->on_change = cb;
	sv->on_change_arg = arg;
}

void
supervisor_on_signal(struct supervisor *sv,
    void (*cb)(struct supervisor *, int, void *), void *arg)
{
	sv->on_signal = cb;
	sv->on_signal_arg = arg;
}

struct nodetab *
supervisor_table(struct supervisor *sv)
{
	return (&sv->tab);
}

unsigned
supervisor_restarts(struct supervisor *sv)
{
	return (sv->sm.restarts);
}

struct event_base *
supervisor_base(struct supervisor *sv)
{
	return (sv->base);
}
