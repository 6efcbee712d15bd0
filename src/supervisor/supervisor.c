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
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <pwd.h>
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
#include "notify.h"
#include "orphans.h"
#include "probe.h"
#include "format.h"
#include "pidmap.h"
#include "spawn.h"
#include "supervisor.h"
#include "units.h"
#include "workerenv.h"
#include "xmalloc.h"

#define DRAIN_MS	2000	/* how long a finished worker's output may take */
#define DRAIN_ORPHANS_MS 100	/* then what it left outside its group may hold it */
#define SV_LOAD_STACK	(256 * 1024)	/* config_load recurses per level */
#define SWEEP_MS	10	/* after a worker's end, its orphans are looked for */

struct child {
	struct supervisor	*sv;
	size_t			 slot;
	pid_t			 pid;
	struct event		*timer;
	struct ipc		*ipc;	/* a child group's channel */
	struct event		*drain;	/* reaped, waiting for its output */
	struct probe		*probe;	/* readiness it does not announce */
	bool			 reloading;	/* RELOADING=1: not ready */
	struct exit_info	 exit;
	pid_t			 draining;
	bool			 swept;		/* orphans killed while draining */
	bool			 sweep_due;	/* its orphans are to be killed */
	char			*name;		/* path, or path:instance */
	bool			 multi;		/* named path:instance */
	pid_t			 ahead;		/* its supervisor, forked ahead */
	int			 ahead_fd;	/* and its channel, if ahead > 0 */
};

struct supervisor {
	struct event_base	*base;
	const struct cfg_tree	*tree;
	const struct cfg_node	*group;
	struct sm		 sm;
	struct child		**kids;		/* stable: callbacks hold them */
	struct pidmap		 pids;
	struct pidmap		 draining;	/* reaped, output not yet drained */
	struct event		*sweep;		/* for orphans of finished workers */
	int			 notify_fd;	/* the workers' NOTIFY_SOCKET */
	struct event		*notify_ev;
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
	struct cfg_tree		**owned;	/* loaded here by reloads */
	size_t			 nowned;
	struct cfg_tree		*pending;	/* a reload waiting for a stop phase */
	bool			 pending_scale;	/* a scale waiting for one */
	uint32_t		 retiring;	/* as last told to the parent */
	bool			 wait_told;	/* the parent has our wait_node */
	pid_t			(*spare)(void *);	/* a child, not an orphan */
	void			*spare_arg;
	uint32_t		 pending_gen;
};

static void	sv_drain(struct supervisor *);
static void	sv_sweep(struct supervisor *, size_t);
static void	sv_retiring_changed(struct supervisor *);
static void	sv_name_kids(struct supervisor *);
static void	sv_reload_pending(struct supervisor *);

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

/*
 * A group stopped between two lives of its supervisor (killed, then
 * stopped before its restart): what waited for the next life is stopped.
 */
static void
sv_park_subtree(struct supervisor *sv, const struct cfg_node *g)
{
	unsigned id, last = nodetab_last(g), k, n;
	struct msg_node_state *st;

	for (id = g->id + 1; id <= last; id++) {
		n = nodetab_count(&sv->tab, id);
		for (k = 0; k < n; k++) {
			st = nodetab_get(&sv->tab, id, k);
			if (st->pid != 0 || st->state != SLOT_WAITING)
				continue;
			st->gen = sv->tab.gen;
			st->node = id;
			st->instance = k;
			st->state = SLOT_STOPPED;
			sv_send_up(sv, st);
		}
	}
}

static void
sv_report(struct supervisor *sv, size_t i)
{
	struct slot *s = &sv->sm.slots[i];
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
	st->ready = s->state == SLOT_RUNNING && !sv->kids[i]->reloading;
	st->restarts = s->restarts;
	st->has_exit = s->has_exit;
	st->held = s->held;
	st->exit_code = s->last.code;
	st->exit_sig = s->last.sig;
	st->since_ms = s->started_at;
	st->next_ms = s->state == SLOT_BACKOFF ? s->due : 0;
	if (s->node->kind == CFG_GROUP && !sm_slot_live(s))
		st->retiring = st->wait_node = st->wait_inst = 0;
	sv_send_up(sv, st);
	/* Stopped, or ended for good (temporary): nothing below will start. */
	if (s->node->kind == CFG_GROUP &&
	    (s->state == SLOT_STOPPED || s->state == SLOT_EXITED))
		sv_park_subtree(sv, s->node);
	if (s->node->kind == CFG_GROUP)
		sv_retiring_changed(sv);
}

/* Removed children of the subtree still running: ours and our groups'. */
static uint32_t
sv_retiring_total(struct supervisor *sv)
{
	const struct msg_node_state *st;
	uint32_t n = (uint32_t)sm_retiring(&sv->sm);
	size_t i;

	/* A group whose supervisor is not running has nothing running. */
	for (i = 0; i < sv->sm.nslots; i++) {
		if (sv->sm.slots[i].node->kind != CFG_GROUP ||
		    sv->sm.slots[i].retired || !sm_slot_live(&sv->sm.slots[i]))
			continue;
		st = nodetab_get(&sv->tab, sv->sm.slots[i].node->id, 0);
		n += st != NULL ? st->retiring : 0;
	}
	return (n);
}

/* Tells the parent about the group itself: up or not, and what retires. */
static void
sv_send_self(struct supervisor *sv)
{
	const struct msg_node_state *self = nodetab_get(&sv->tab, sv->group->id, 0);
	struct msg_node_state st = {
		.gen = sv->tab.gen,
		.node = sv->group->id,
		.state = SLOT_RUNNING,
		.ready = sv->sm.ready,
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
static void
sv_wait_changed(struct supervisor *sv)
{
	struct msg_node_state *self = nodetab_get(&sv->tab, sv->group->id, 0);
	uint32_t node = 0, inst = 0;
	size_t i;

	if (sm_holder(&sv->sm, &i) && !sv->sm.slots[i].retired) {
		node = sv->sm.slots[i].node->id;
		inst = sv->sm.slots[i].instance;
	}
	if (sv->wait_told && self->wait_node == node && self->wait_inst == inst)
		return;
	self->wait_node = node;
	self->wait_inst = inst;
	sv->wait_told = true;
	sv_send_self(sv);
}

/* Once the count of what still retires changes, the parent hears of it. */
static void
sv_retiring_changed(struct supervisor *sv)
{
	uint32_t n = sv_retiring_total(sv);

	if (n == sv->retiring)
		return;
	sv->retiring = n;
	sv_send_self(sv);
}

static void
sv_report_ready(struct supervisor *sv)
{
	sv_send_self(sv);
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

		n = nodetab_count(&sv->tab, id);
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
	/* Times are whole ms, floored: one more keeps a delay from coming short. */
	now = supervisor_now();
	ms = due > now ? due - now + 1 : 0;
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

/* NOTIFY_SOCKET for all, WATCHDOG_USEC and WATCHDOG_PID with a watchdog. */
static void
sv_worker_env(struct supervisor *sv, size_t i, struct workerenv *env,
    struct spawn_req *req)
{
	const struct slot *s = &sv->sm.slots[i];
	const struct cfg_worker *w = &s->node->worker;
	char buf[64];

	workerenv_build(env, sv->tree, s->node, s->instance, sv->kids[i]->name);
	notify_name(buf, sizeof(buf), getpid());
	workerenv_set(env, "NOTIFY_SOCKET", buf);
	if (w->watchdog_ms > 0) {
		snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)w->watchdog_ms * 1000);
		workerenv_set(env, "WATCHDOG_USEC", buf);
		req->pid_slot = workerenv_set(env, "WATCHDOG_PID",
		    "0000000000000000") + strlen("WATCHDOG_PID=");
	}
	req->envp = env->envp;
	req->path = workerenv_get(env, "PATH");
}

/*
 * `user`/`group`: the ids, and the user's supplementary groups, looked up
 * before the spawn (nothing may allocate after it).  Returns the groups'
 * array, for the caller to free; NULL when the ids stay.  On the heap: at
 * NGROUPS_MAX entries it would push every spawn 256 KiB down the stack.
 */
static gid_t *
sv_worker_ids(const struct cfg_worker *w, struct spawn_req *req)
{
	const struct passwd *pw;
	int n = NGROUPS_MAX;
	gid_t *groups;

	if (!w->has_uid && !w->has_gid)
		return (NULL);
	groups = xcalloc(NGROUPS_MAX, sizeof(*groups));
	req->drop = true;
	req->uid = w->has_uid ? w->uid : (uid_t)-1;
	req->gid = w->has_gid ? w->gid : w->user_gid;
	req->groups = groups;
	groups[0] = req->gid;
	req->ngroups = 1;
	if (w->has_uid && (pw = getpwuid(w->uid)) != NULL &&
	    getgrouplist(pw->pw_name, req->gid, groups, &n) >= 0)
		req->ngroups = (size_t)n;
	return (groups);
}

static void	sv_probe_ready(void *);

/* What stopped a child before its exec: "chdir services/a: No such file...". */
static void
sv_spawn_why(const struct cfg_worker *w, const struct spawn_fail *f, char *buf,
    size_t len)
{
	if (f->step == SPAWN_CHDIR)
		snprintf(buf, len, "chdir %s: %s", w->cwd_shown, strerror(f->err));
	else if (f->step == SPAWN_EXEC)
		snprintf(buf, len, "exec %s: %s", w->argv[0], strerror(f->err));
	else
		snprintf(buf, len, "setting up %s: %s", w->argv[0],
		    strerror(f->err));
}

static void
sv_spawn_worker(struct supervisor *sv, size_t i)
{
	const struct slot *s = &sv->sm.slots[i];
	const struct cfg_worker *w = &s->node->worker;
	struct spawn_req req = { .argv = w->argv, .cwd = w->cwd,
	    .extra_fd = -1 };
	struct workerenv env;
	struct spawn_pipes p;
	gid_t *groups;
	int *out = p.out, *err = p.err, *rfd = p.ready, saved;
	struct spawn_fail fail;
	char why[PATH_MAX + 128];
	pid_t pid;

	if (spawn_pipes(&p, w->ready == CFG_READY_FD) < 0) {
		sv_spawn_failed(sv, i, "pipe", errno);
		return;
	}
	groups = sv_worker_ids(w, &req);
	req.out_fd = out[1];
	req.err_fd = err[1];
	req.extra_fd = rfd[1];
	req.extra_to = w->ready_fd;
	sv_worker_env(sv, i, &env, &req);
	pid = spawn_worker(&req, &fail);
	saved = errno;
	workerenv_free(&env);
	xfree(groups);
	if (rfd[1] >= 0)
		close(rfd[1]);
	if (pid > 0 && fail.err != 0) {	/* in its own log, as an err record */
		sv_spawn_why(w, &fail, why, sizeof(why));
		dprintf(err[1], "%s\n", why);
	}
	close(out[1]);
	close(err[1]);
	if (pid < 0 || fail.err != 0) {
		if (rfd[0] >= 0)
			close(rfd[0]);
		rfd[0] = -1;
	}
	if (pid < 0) {
		close(out[0]);
		close(err[0]);
		sv_spawn_failed(sv, i, "fork", saved);
		return;
	}
	sv->kids[i]->pid = pid;
	sv->kids[i]->reloading = false;
	pidmap_put(&sv->pids, pid, i);
	logconn_add(sv->logc, &(struct logmsg){ .instance = s->instance,
	    .pid = pid, .multi = sv->kids[i]->multi,	/* as PMTREE_NAME says */
	    .log_off = w->log_off,
	    .log_file = (int8_t)w->log_file, .log_stdout = (int8_t)w->log_stdout },
	    s->node->path, out[0], err[0]);
	if (fail.err != 0) {
		evlog(sv->kids[i]->name, "%s", why);
		return;	/* the child exits 127: reaped as a failed start */
	}
	evlog(sv->kids[i]->name, "started (pid %d)", (int)pid);
	sv_report(sv, i);	/* its pid, while it is starting */
	if (w->ready == CFG_READY_NONE)
		sm_ready(&sv->sm, i, supervisor_now());
	else if (w->ready != CFG_READY_NOTIFY)
		sv->kids[i]->probe = probe_start(sv->base, w, rfd[0],
		    sv_probe_ready, sv->kids[i]);
}

static void
sv_probe_ready(void *arg)
{
	struct child *k = arg;

	probe_free(k->probe);
	k->probe = NULL;
	evlog(k->name, "ready");
	sm_ready(&k->sv->sm, k->slot, supervisor_now());
	sv_drain(k->sv);
}

/* --- sd_notify ------------------------------------------------------------ */

/* What a worker says of itself goes up to the root, which shows it. */
static void
sv_send_info(struct supervisor *sv, const struct slot *s,
    const struct notify_msg *m)
{
	struct msg_node_info h = { .gen = sv->tab.gen, .node = s->node->id,
	    .instance = s->instance, .nmetrics = (uint8_t)m->nmetrics,
	    .has_status = m->status != NULL,
	    .status_len = (uint16_t)(m->status != NULL ? m->status_len : 0) };
	struct obuf b = { 0 };

	nodetab_tell(&sv->tab, h.node, h.instance, m->status, h.status_len,
	    m->metrics, m->nmetrics);
	if (sv->up == NULL)
		return;
	obuf_add(&b, &h, sizeof(h));
	obuf_add(&b, m->metrics, m->nmetrics * sizeof(*m->metrics));
	if (h.status_len > 0)
		obuf_add(&b, m->status, h.status_len);
	(void)ipc_send(sv->up, MSG_NODE_INFO, b.p, b.len);
	obuf_free(&b);
}

static void
sv_notified(struct supervisor *sv, size_t i, const struct notify_msg *m)
{
	const struct slot *s = &sv->sm.slots[i];
	struct child *k = sv->kids[i];
	uint64_t now = supervisor_now();
	bool was = k->reloading;

	if (m->reloading)
		k->reloading = true;
	if (m->ready) {
		k->reloading = false;
		if (s->state == SLOT_STARTING &&
		    s->node->worker.ready == CFG_READY_NOTIFY) {
			evlog(k->name, "ready");
			sm_ready(&sv->sm, i, now);
		}
	}
	if (m->watchdog)
		sm_watchdog(&sv->sm, i, now);
	if (m->stopping)
		sm_self_stopping(&sv->sm, i, now);
	if (m->status != NULL || m->nmetrics > 0)
		sv_send_info(sv, s, m);
	if (k->reloading != was)
		sv_report(sv, i);
	sv_drain(sv);
}

/* Datagrams from anyone but our own workers are dropped, and counted. */
static void
sv_notify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *sv = arg;
	char buf[NOTIFY_DGRAM_MAX];
	struct notify_msg m;
	size_t i;
	ssize_t n;
	pid_t pid;

	while ((n = notify_recv(fd, buf, &pid)) >= 0) {
		if (n == 0 || pidmap_get(&sv->pids, pid, &i) < 0 ||
		    sv->sm.slots[i].node->kind != CFG_WORKER) {
			notify_drop();
			continue;
		}
		notify_parse(buf, (size_t)n, &m);
		sv_notified(sv, i, &m);
	}
}

static int	sv_group_msg(struct ipc *, uint16_t, const void *, size_t, void *);
static void	sv_group_closed(struct ipc *, const char *, void *);

/*
 * The supervisors of our child groups are forked together, before any of
 * them starts: they then share one copy of each page we write afterwards.
 * Forked one by one as their turns came, each kept its own copy of every
 * page we had written since the previous one (the slots, the state table,
 * libevent's, malloc's own): ~40 KiB each, 2 MiB with 50 groups.  Nothing
 * is allocated or stored between two of the forks, for the same reason.
 * Each waits for its turn (group_fork); they serve the first start only.
 */
#define AHEAD_BATCH 64

static void
sv_fork_ahead(struct supervisor *sv)
{
	pid_t pid[AHEAD_BATCH];
	int fd[AHEAD_BATCH];
	size_t i, from, n = 0, k;

	for (i = 0; i < sv->sm.nslots; i++)
		n += sv->sm.slots[i].node->kind == CFG_GROUP;
	if (n < 2)
		return;
	for (from = 0; from < sv->sm.nslots; from += AHEAD_BATCH) {
		n = sv->sm.nslots - from < AHEAD_BATCH ?
		    sv->sm.nslots - from : AHEAD_BATCH;
		for (k = 0; k < n; k++) {
			pid[k] = 0;
			if (sv->sm.slots[from + k].node->kind == CFG_GROUP &&
			    (pid[k] = group_fork(sv->tree,
			    sv->sm.slots[from + k].node, &sv->tab, &fd[k],
			    true)) < 0)
				break;	/* these fork in their turn instead */
		}
		for (i = 0; i < k; i++) {
			sv->kids[from + i]->ahead = pid[i];
			sv->kids[from + i]->ahead_fd = fd[i];
		}
		if (k < n)
			return;
	}
}

/* A supervisor forked ahead for slot I, told to start; 0 if there is none. */
static pid_t
sv_ahead_take(struct supervisor *sv, size_t i, int *fd)
{
	struct child *k = sv->kids[i];
	pid_t pid = k->ahead;

	if (pid <= 0)
		return (0);
	k->ahead = 0;
	*fd = k->ahead_fd;
	if (send(*fd, "", 1, MSG_NOSIGNAL) == 1)
		return (pid);
	/* Gone already: the reaper takes it as a stranger. */
	close(*fd);
	return (0);
}

/*
 * Anything but the first start (an exit, a command, a reload) and those not
 * yet started are forgotten: they fork in their turn, from what we hold
 * then.  Each sees EOF and exits.
 */
static void
sv_ahead_drop(struct supervisor *sv)
{
	size_t i;

	for (i = 0; i < sv->sm.nslots; i++) {
		if (sv->kids[i]->ahead > 0) {
			close(sv->kids[i]->ahead_fd);
			sv->kids[i]->ahead = 0;
		}
	}
}

static void
sv_spawn_group(struct supervisor *sv, size_t i)
{
	struct child *k = sv->kids[i];
	int fd;
	pid_t pid;

	pid = sv_ahead_take(sv, i, &fd);
	if (pid <= 0)
		pid = group_fork(sv->tree, sv->sm.slots[i].node, &sv->tab, &fd,
		    false);
	if (pid < 0) {
		sv_spawn_failed(sv, i, "fork", errno);
		return;
	}
	k->pid = pid;
	pidmap_put(&sv->pids, pid, i);
	sv_report(sv, i);
	k->ipc = ipc_new(sv->base, fd, msg_up_types, MSG_NTYPES, sv_group_msg,
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
		    config_restart(sv->sm.slots[a->slot].node) == CFG_TEMPORARY ?
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
	case NOTE_WATCHDOG:
		evlog(who, "no WATCHDOG=1 within %llu ms: hung, stopping",
		    (unsigned long long)sv->sm.slots[a->slot].node->worker.watchdog_ms);
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
		sv_ahead_drop(sv);
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
	if (sv->pending != NULL || sv->pending_scale)
		sv_reload_pending(sv);
	sv_wait_changed(sv);
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
	struct msg_command m = { .gen = sv->tab.gen, .op = CMD_START,
	    .instance = -1 };
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
	struct msg_command m = { .gen = sv->tab.gen, .node = node->id,
	    .instance = inst, .op = (uint8_t)op };
	uint64_t now = supervisor_now();
	ssize_t via;
	size_t i;

	sv_ahead_drop(sv);
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
		if (via < 0)
			return (-1);
		/* A child group that does not run: its slot here is the target. */
		if (sv->sm.slots[via].node == node &&
		    !sm_slot_live(&sv->sm.slots[via])) {
			if (op == CMD_STOP)	/* not started yet: held */
				sm_cmd_stop(&sv->sm, (size_t)via, now);
			else
				sm_cmd_start(&sv->sm, (size_t)via, now);
			sv_drain(sv);
			return (0);
		}
		/* A group still starting its children takes commands too. */
		if (sv->kids[via]->ipc == NULL || !sm_slot_live(&sv->sm.slots[via]))
			return (-1);
		return (ipc_send(sv->kids[via]->ipc, MSG_COMMAND, &m, sizeof(m)));
	}
	sv_drain(sv);
	return (0);
}

/* --- reload and scale --------------------------------------------------- */

/* The old slot that is the same child: same name, kind and instance. */
static size_t
sv_find_old(const struct supervisor *sv, const struct cfg_node *c,
    unsigned inst)
{
	size_t k;

	for (k = 0; k < sv->sm.nslots; k++) {
		const struct slot *s = &sv->sm.slots[k];

		if (!s->retired && s->instance == inst && s->node->kind == c->kind &&
		    strcmp(s->node->name, c->name) == 0)
			return (k);
	}
	return (SM_NEW);
}

/* G's children as slots, with the instance counts of TAB. */
static size_t
sv_plan(const struct supervisor *sv, const struct cfg_node *g,
    const struct nodetab *tab, struct sm_keep **out)
{
	struct sm_keep *keep = NULL;
	size_t n = 0, cap = 0, k;
	unsigned inst, count;

	for (k = 0; k < g->group.nchildren; k++) {
		const struct cfg_node *c = g->group.children[k];

		count = nodetab_count(tab, c->id);
		for (inst = 0; inst < count; inst++) {
			size_t old = sv_find_old(sv, c, inst);

			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				keep = xreallocarray(keep, cap, sizeof(*keep));
			}
			keep[n] = (struct sm_keep){ .node = c, .instance = inst,
			    .old = old };
			keep[n].changed = c->kind == CFG_WORKER && old != SM_NEW &&
			    !config_worker_same(&sv->sm.slots[old].node->worker,
			    &c->worker);
			n++;
		}
	}
	*out = keep;
	return (n);
}

static void
sv_child_free(struct child *k)
{
	probe_free(k->probe);
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
	sv->kids = xcalloc(sv->sm.nslots ? sv->sm.nslots : 1, sizeof(*sv->kids));
	pidmap_free(&sv->pids);
	pidmap_free(&sv->draining);
	pidmap_init(&sv->pids, sv->sm.nslots);
	pidmap_init(&sv->draining, 16);
	for (j = 0; j < sv->sm.nslots; j++) {
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
	}
	for (k = 0; k < oldn; k++) {
		if (!used[k])
			sv_child_free(old[k]);
	}
	xfree(used);
	xfree(old);
	sv_name_kids(sv);
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
	for (i = 0; i < sv->sm.nslots; i++) {
		if (sv_tree_has(t, sv->sm.slots[i].node))
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
	size_t n, oldn = sv->sm.nslots, *from, i;

	n = sv_plan(sv, g, tab, &keep);
	from = xcalloc(n + oldn + 1, sizeof(*from));
	if (tab != &sv->tab) {
		nodetab_free(&sv->tab);
		sv->tab = *tab;
	}
	sv->tree = t;
	sv->group = g;
	sm_reconfigure(&sv->sm, g, keep, n, from, supervisor_now());
	sv_remap(sv, from, oldn);
	xfree(keep);
	xfree(from);
	for (i = 0; i < sv->sm.nslots; i++)
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

	for (i = 0; i < sv->sm.nslots; i++) {
		if (sv->sm.slots[i].node->kind == CFG_GROUP &&
		    !sv->sm.slots[i].retired && sv->kids[i]->ipc != NULL)
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
	if (sv->sm.shutting_down)
		return;
	if (sv->sm.stopping) {	/* indices must hold still until it ends */
		sv->pending = t;
		sv->pending_gen = gen;
		sv_prune(sv);
		return;
	}
	sv_reload_now(sv, t, gen);
	sv_drain(sv);
}

/* A deferred reload or scale, once the stop phase that held it back is over. */
static void
sv_reload_pending(struct supervisor *sv)
{
	struct cfg_tree *t = sv->pending;

	if (sv->sm.stopping || sv->sm.shutting_down)
		return;
	if (t != NULL) {
		sv->pending = NULL;
		sv->pending_scale = false;
		sv_reload_now(sv, t, sv->pending_gen);
	} else if (sv->pending_scale) {
		sv->pending_scale = false;
		sv_apply(sv, sv->tree, sv->group, &sv->tab);
	} else
		return;
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
	if (sv->sm.shutting_down)
		return (-1);
	if (sv->sm.stopping) {	/* indices must hold still until it ends */
		sv->pending_scale = true;
		return (0);
	}
	sv_apply(sv, sv->tree, sv->group, &sv->tab);
	sv_drain(sv);
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

static int
sv_group_msg(struct ipc *c, uint16_t type, const void *data, size_t len,
    void *arg)
{
	struct child *k = arg;
	struct supervisor *sv = k->sv;
	const struct cfg_node *g = sv->sm.slots[k->slot].node;
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
			sm_ready(&sv->sm, k->slot, supervisor_now());
		sv_retiring_changed(sv);
		sv_drain(sv);
		return (0);
	}
	if (m.node <= g->id || m.node > nodetab_last(g) ||
	    m.state >= SLOT_NSTATES)
		return (-1);
	/* An instance a scale down dropped here first, reported on its way out. */
	if ((st = nodetab_get(&sv->tab, m.node, m.instance)) == NULL)
		return (0);
	nodetab_store(&sv->tab, st, &m);
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

/*
 * The orphans of the workers that finished since the last sweep, in one
 * pass over the children: off the restart's path, which it would slow by
 * as much as the supervisor has children.  A replacement started since
 * keeps its own.  NKIDS: how many sv->kids holds, which is not the
 * machine's count while the slots move.
 */
static void
sv_sweep(struct supervisor *sv, size_t nkids)
{
	struct orphan_due *due;
	size_t i, n = 0;

	evtimer_del(sv->sweep);
	due = xcalloc(nkids ? nkids : 1, sizeof(*due));
	for (i = 0; i < nkids; i++) {
		struct child *k = sv->kids[i];

		if (!k->sweep_due)
			continue;
		k->sweep_due = false;
		due[n].name = k->name;
		due[n++].successor = k->pid;
	}
	(void)orphans_kill(&sv->pids, due, n);
	xfree(due);
}

static void
sv_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *sv = arg;

	sv_sweep(sv, sv->sm.nslots);
}

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
	if (n->kind == CFG_WORKER && !k->swept) {
		struct timeval tv = { 0, SWEEP_MS * 1000 };

		k->sweep_due = true;
		if (!evtimer_pending(sv->sweep, NULL))
			evtimer_add(sv->sweep, &tv);
	}
	k->swept = false;
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
	struct timeval rest = { (DRAIN_MS - DRAIN_ORPHANS_MS) / 1000,
	    ((DRAIN_MS - DRAIN_ORPHANS_MS) % 1000) * 1000 };
	size_t i;

	/* Not drained yet: something it left may hold its pipes. */
	if (!k->swept) {
		k->swept = true;
		(void)orphans_kill(&k->sv->pids,
		    &(struct orphan_due){ .name = k->name }, 1);
		evtimer_add(k->drain, &rest);
		return;
	}
	if (pidmap_take(&k->sv->draining, k->draining, &i) < 0)
		return;
	evlog(k->name, "output not drained after %d ms: going on", DRAIN_MS);
	sv_finish(k->sv, i);
}

/*
 * A worker is finished only once its output is drained too, so that its
 * last lines are logged before its exit is acted on.  What it left in its
 * process group goes first: it may hold the pipes.
 */
static void
sv_reaped(struct supervisor *sv, size_t i, int status)
{
	struct child *k = sv->kids[i];
	const struct cfg_node *n = sv->sm.slots[i].node;
	struct timeval tv = { 0, DRAIN_ORPHANS_MS * 1000 };

	k->exit.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	k->exit.sig = WIFEXITED(status) ? 0 : WTERMSIG(status);
	if (n->kind == CFG_GROUP) {
		if (k->ipc != NULL)
			ipc_read_rest(k->ipc);	/* its last reports */
		ipc_free(k->ipc);
		k->ipc = NULL;
		if (k->exit.code != SM_EXIT_OK)
			sv_kill_subtree(sv, n);
		sv_finish(sv, i);
		return;
	}
	probe_free(k->probe);
	k->probe = NULL;
	(void)killpg(k->pid, SIGKILL);
	k->swept = false;
	/* A collector short of fds refused them: nothing will drain them. */
	if (!logconn_has(sv->logc, k->pid) ||
	    logconn_refused_now(sv->logc, k->pid)) {
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
		sv_ahead_drop(sv);
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

	sv_ahead_drop(sv);
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
		sv->done = true;
		sv->status = 1;
		event_base_loopexit(sv->base, NULL);
		return;
	}
	supervisor_reload(sv, t, m->gen);
}

/* From the parent; a message about a node outside our subtree is a bug. */
static int
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
	if (!sv_in_subtree(sv, m.node) || m.op < CMD_STOP || m.op > CMD_RESTART)
		return (-1);
	if (m.gen != sv->tab.gen)
		return (0);	/* sent before a reload we have not seen yet */
	if (supervisor_command(sv, sv->tree->nodes[m.node], m.instance,
	    m.op) < 0)
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
static void
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
	sv->notify_fd = -1;
	sm_init(&sv->sm, group);
	sv->kids = xcalloc(sv->sm.nslots ? sv->sm.nslots : 1, sizeof(*sv->kids));
	for (i = 0; i < sv->sm.nslots; i++)
		sv->kids[i] = xcalloc(1, sizeof(**sv->kids));
	pidmap_init(&sv->pids, sv->sm.nslots);
	pidmap_init(&sv->draining, 16);
	sv->sweep = evtimer_new(base, sv_sweep_cb, sv);
	nodetab_init(&sv->tab, tree, group);
	sv_name_kids(sv);
	sv->logc = logconn_new(base, sv_drained, sv);
	if (inherit != NULL)
		sv_inherit(sv, inherit);
	supervisor_sigset(&set);
	sv->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sv->sigfd < 0 || (sv->notify_fd = notify_open()) < 0)
		goto fail;
	sv->notify_ev = event_new(base, sv->notify_fd, EV_READ | EV_PERSIST,
	    sv_notify_cb, sv);
	if (sv->notify_ev == NULL || event_add(sv->notify_ev, NULL) < 0)
		goto fail;
	sv->sigev = event_new(base, sv->sigfd, EV_READ | EV_PERSIST,
	    sv_signal_cb, sv);
	if (sv->sigev == NULL || event_add(sv->sigev, NULL) < 0)
		goto fail;
	if (upfd >= 0) {
		sv->up = ipc_new(base, upfd, msg_down_types, MSG_NTYPES, sv_up_msg,
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
	sv_ahead_drop(sv);
	for (i = 0; i < sv->sm.nslots; i++) {
		sv_child_free(sv->kids[i]);
	}
	logconn_free(sv->logc);
	if (sv->sweep != NULL)
		event_free(sv->sweep);
	pidmap_free(&sv->draining);
	for (i = 0; i < sv->nowned; i++)
		config_free(sv->owned[i]);
	xfree(sv->owned);
	ipc_free(sv->up);
	if (sv->sigev != NULL)
		event_free(sv->sigev);
	if (sv->sigfd >= 0)
		close(sv->sigfd);
	if (sv->notify_ev != NULL)
		event_free(sv->notify_ev);
	if (sv->notify_fd >= 0)
		close(sv->notify_fd);
	nodetab_free(&sv->tab);
	pidmap_free(&sv->pids);
	xfree(sv->kids);
	sm_free(&sv->sm);
	xfree(sv);
}

int
supervisor_run(struct supervisor *sv)
{
	sv_fork_ahead(sv);
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
	(void)orphans_kill_all(&sv->pids,
	    sv->spare != NULL ? sv->spare(sv->spare_arg) : 0);
	if (sv->up != NULL)
		ipc_flush(sv->up);	/* the last reports, for the parent */
	return (sv->status);
}

void
supervisor_on_ready(struct supervisor *sv, supervisor_cb *cb, void *arg)
{
	sv->on_ready = cb;
	sv->on_ready_arg = arg;
}

void
supervisor_spare(struct supervisor *sv, pid_t (*fn)(void *), void *arg)
{
	sv->spare = fn;
	sv->spare_arg = arg;
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
