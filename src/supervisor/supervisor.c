/*
 * The executor: performs what the machine decides and feeds it what
 * happens; every decision lives in the machine.  This file holds the life
 * cycle, the actions and the command routing; launch.c starts slots,
 * reap.c ends them, stopping.c runs stop commands and says what a stop
 * waits for, link.c reports and carries messages, reload.c takes a new
 * configuration.
 */
#include <sys/signalfd.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "evlog.h"
#include "orphans.h"
#include "svint.h"
#include "units.h"
#include "xmalloc.h"

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
const char *
sv_who(const struct supervisor *sv)
{
	return (sv->group->parent == NULL ? "pmtree" : sv->group->path);
}

void
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

/* --- actions ------------------------------------------------------------ */

static void
sv_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child *k = arg;

	sm_timer(k->sv->sm, k->slot, supervisor_now());
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
sv_signal(struct supervisor *sv, size_t i, int sig)
{
	const struct slot *s = sm_slot(sv->sm, i);
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
		    config_restart(sm_slot(sv->sm, a->slot)->node) == CFG_TEMPORARY ?
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
		    (unsigned long long)sm_slot(sv->sm, a->slot)->node->worker.watchdog_ms);
		break;
	case NOTE_READY:
		evlog(who, "ready");
		break;
	case NOTE_MEMORY:
		evlog(who, "memory %.1f MiB over max_memory %.1f MiB: stopping",
		    (double)a->value / (1024 * 1024),
		    (double)sm_slot(sv->sm, a->slot)->node->worker.max_memory /
		    (1024 * 1024));
		break;
	case NOTE_FINISHED:
		evlog(who, "done (one-shot step, normal exit): ready");
		break;
	case NOTE_AUTO_SHUTDOWN:
		evlog(who, "significant child ended (code %llu): %s stops "
		    "(auto_shutdown: %s)", (unsigned long long)a->value,
		    sv_who(sv), sv->group->group.auto_shutdown == CFG_AUTO_ALL ?
		    "all_significant" : "any_significant");
		break;
	case NOTE_STOP_FAILED:
		evlog(who, "stop_command failed: sending %s",
		    units_signal_name(a->sig) != NULL ?
		    units_signal_name(a->sig) : "the stop signal");
		break;
	}
}

static void
sv_perform(struct supervisor *sv, const struct action *a)
{
	switch (a->kind) {
	case ACT_SPAWN:
		if (sm_slot(sv->sm, a->slot)->node->kind == CFG_GROUP)
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
	case ACT_WAITING:
		sv_report(sv, a->slot);
		sv_stopwait_note(sv, a->slot);
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
	case ACT_BELOW:
		sv_below(sv, a->slot, (enum below)a->value);
		break;
	case ACT_FORWARD:
		sv_forward(sv, a->slot, sm_slot(sv->sm, a->slot)->node, -1,
		    (enum sm_op)a->value);
		break;
	case ACT_RECONFIGURE:
		sv_feedback(sv, &(struct sv_feedback){ .kind = SV_FB_RECONFIGURE });
		break;
	case ACT_STOP_COMMAND:
		sv_stop_command(sv, a->slot, a->value);
		break;
	case ACT_STOP_COMMAND_KILL:
		sv_stop_command_kill(sv, a->slot);
		break;
	}
}

void
sv_feedback(struct supervisor *sv, const struct sv_feedback *f)
{
	if (sv->nfb == sv->fbcap) {
		sv->fbcap = sv->fbcap ? 2 * sv->fbcap : 8;
		sv->fb = xreallocarray(sv->fb, sv->fbcap, sizeof(*sv->fb));
	}
	sv->fb[sv->nfb++] = *f;
}

static void
sv_feed(struct supervisor *sv, const struct sv_feedback *f)
{
	switch (f->kind) {
	case SV_FB_READY:
		sm_ready(sv->sm, f->slot, f->at);
		break;
	case SV_FB_EXITED:
		sm_exited(sv->sm, f->slot, f->exit, f->at);
		break;
	case SV_FB_RECONFIGURE:
		sv_reload_pending(sv);
		break;
	case SV_FB_STOP_EXITED:
		sm_stop_command_exited(sv->sm, f->slot, f->exit, f->at);
		break;
	}
}

/* Performs every queued action; what performing them found out follows. */
void
sv_drain(struct supervisor *sv)
{
	struct action a;
	size_t k, n;

	for (;;) {
		while (sm_next(sv->sm, &a))
			sv_perform(sv, &a);
		if (sv->nfb == 0)
			break;
		/* Taken as a batch: feeding one may queue actions, then more. */
		n = sv->nfb;
		sv->nfb = 0;
		for (k = 0; k < n; k++)
			sv_feed(sv, &sv->fb[k]);
	}
	sv_wait_changed(sv);
}

/* --- commands ----------------------------------------------------------- */

/* A command for NODE (instance INST, -1: all) to child group I's supervisor. */
int
sv_forward(struct supervisor *sv, size_t i, const struct cfg_node *node,
    int inst, enum sm_op op)
{
	struct msg_command m = { .gen = sv->tab.gen, .node = node->id,
	    .instance = inst, .op = (uint8_t)op };

	/* Its channel may be gone before its supervisor is reaped. */
	if (sv->kids[i]->ipc == NULL)
		return (-1);
	return (ipc_send(sv->kids[i]->ipc, MSG_COMMAND, &m, sizeof(m)));
}

/* The slot of the child group through which NODE is reached, or -1. */
ssize_t
sv_route(struct supervisor *sv, const struct cfg_node *node)
{
	size_t i;

	while (node->parent != NULL && node->parent != sv->group)
		node = node->parent;
	if (node->parent == NULL || node->kind != CFG_GROUP)
		return (-1);
	for (i = 0; i < sm_nslots(sv->sm); i++) {
		if (sm_slot(sv->sm, i)->node == node)
			return ((ssize_t)i);
	}
	return (-1);
}

int
supervisor_command(struct supervisor *sv, const struct cfg_node *node,
    int inst, enum sm_op op)
{
	uint64_t now = supervisor_now();
	ssize_t via;
	size_t i;
	int rc = 0;

	sv_ahead_drop(sv);
	if (node == sv->group) {
		sm_command(sv->sm, SM_ALL, op, now);
	} else if (node->kind == CFG_WORKER && node->parent == sv->group) {
		for (i = 0; i < sm_nslots(sv->sm); i++) {
			const struct slot *s = sm_slot(sv->sm, i);

			if (s->node == node && (inst < 0 || s->instance == (unsigned)inst))
				sm_command(sv->sm, i, op, now);
		}
	} else {
		if ((via = sv_route(sv, node)) < 0)
			return (-1);
		switch (sm_command_below(sv->sm, (size_t)via,
		    sm_slot(sv->sm, via)->node == node, op, now)) {
		case SM_ROUTE_HERE:
			break;
		case SM_ROUTE_DOWN:
			rc = sv_forward(sv, (size_t)via, node, inst, op);
			break;
		case SM_ROUTE_NONE:
			rc = -1;
			break;
		}
	}
	sv_drain(sv);
	return (rc);
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

/* --- life cycle --------------------------------------------------------- */

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
	sv->sm = sm_new(group);
	sv->kids = xcalloc(sm_nslots(sv->sm) ? sm_nslots(sv->sm) : 1, sizeof(*sv->kids));
	for (i = 0; i < sm_nslots(sv->sm); i++)
		sv->kids[i] = xcalloc(1, sizeof(**sv->kids));
	pidmap_init(&sv->pids, sm_nslots(sv->sm));
	pidmap_init(&sv->draining, 16);
	pidmap_init(&sv->stops, 4);
	sv->sweep = evtimer_new(base, sv_sweep_cb, sv);
	sv->stopwait = evtimer_new(base, sv_stopwait_cb, sv);
	sv->memwatch = evtimer_new(base, sv_memwatch_cb, sv);
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
	for (i = 0; i < sm_nslots(sv->sm); i++) {
		sv_child_free(sv->kids[i]);
	}
	logconn_free(sv->logc);
	if (sv->sweep != NULL)
		event_free(sv->sweep);
	if (sv->stopwait != NULL)
		event_free(sv->stopwait);
	if (sv->memwatch != NULL)
		event_free(sv->memwatch);
	pidmap_free(&sv->draining);
	pidmap_free(&sv->stops);
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
	sm_free(sv->sm);
	xfree(sv->fb);
	xfree(sv);
}

int
supervisor_run(struct supervisor *sv)
{
	sv_fork_ahead(sv);
	sm_start(sv->sm, supervisor_now());
	sv_drain(sv);
	while (!sv->done) {
		if (event_base_loop(sv->base, EVLOOP_ONCE) < 0) {
			evlog(sv_who(sv), "event loop: %s", strerror(errno));
			sv->status = 1;
			break;
		}
	}
	/* Whatever was adopted and still lives must not outlive us. */
	sv_stop_commands_end(sv);
	(void)orphans_kill_all(&sv->pids,
	    sv->spare != NULL ? sv->spare(sv->spare_arg) : 0);
	if (sv->up != NULL)
		ipc_flush(sv->up);	/* the last reports, for the parent */
	return (sv->status);
}

bool
supervisor_ended(const struct supervisor *sv, int *code)
{
	return (sm_ended(sv->sm, code));
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
	return (sm_restarts(sv->sm));
}

struct event_base *
supervisor_base(struct supervisor *sv)
{
	return (sv->base);
}
