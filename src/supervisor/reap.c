/*
 * The end of a child: reaped (SIGCHLD), then drained (its output read to
 * the end) before the machine hears of it; the orphans it left are
 * swept in one pass, off the restart's path.
 */
#include <sys/wait.h>

#include <signal.h>

#include "evlog.h"
#include "orphans.h"
#include "svint.h"
#include "xmalloc.h"

/* --- reaping and signals ------------------------------------------------ */

/*
 * The orphans of the workers that finished since the last sweep, in one
 * pass over the children: off the restart's path, which it would slow by
 * as much as the supervisor has children.  A replacement started since
 * keeps its own.  NKIDS: how many sv->kids holds, which is not the
 * machine's count while the slots move.
 */
void
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
	(void)orphans_kill(&sv->pids, &sv->stops, due, n);
	xfree(due);
}

void
sv_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *sv = arg;

	sv_sweep(sv, sm_nslots(sv->sm));
}

/* Reaped and drained: now the machine hears of it. */
static void
sv_finish(struct supervisor *sv, size_t i)
{
	struct child *k = sv->kids[i];
	const struct cfg_node *n = sm_slot(sv->sm, i)->node;
	char what[64];

	sv_fmt_exit(what, sizeof(what), k->exit);
	if (n->kind == CFG_GROUP && k->exit.code == SM_EXIT_GAVE_UP)
		evlog(k->name, "supervisor gave up");
	else if (sm_slot(sv->sm, i)->state == SLOT_STOPPING)
		evlog(k->name, "stopped (%s)", what);
	else
		evlog(k->name, "%s", what);
	k->pid = 0;
	k->draining = 0;
	sm_exited(sv->sm, i, k->exit, supervisor_now());
	if (n->kind == CFG_WORKER && !k->swept) {
		struct timeval tv = { 0, SWEEP_MS * 1000 };

		k->sweep_due = true;
		if (!evtimer_pending(sv->sweep, NULL))
			evtimer_add(sv->sweep, &tv);
	}
	k->swept = false;
	sv_drain(sv);
}

void
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
		(void)orphans_kill(&k->sv->pids, &k->sv->stops,
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
	const struct cfg_node *n = sm_slot(sv->sm, i)->node;
	struct timeval tv = { 0, DRAIN_ORPHANS_MS * 1000 };

	k->exit.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	k->exit.sig = WIFEXITED(status) ? 0 : WTERMSIG(status);
	if (n->kind == CFG_GROUP) {
		if (k->ipc != NULL)
			ipc_read_rest(k->ipc);	/* its last reports */
		ipc_free(k->ipc);
		k->ipc = NULL;
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

void
sv_reap(struct supervisor *sv)
{
	size_t slot;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (WIFSTOPPED(status) || WIFCONTINUED(status))
			continue;
		sv_ahead_drop(sv);
		/* Else a stop_command, the root's collector, an orphan. */
		if (pidmap_take(&sv->pids, pid, &slot) == 0)
			sv_reaped(sv, slot, status);
		else if (sv_stop_reaped(sv, pid, status))
			;
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
		sm_shutdown(sv->sm, SM_EXIT_OK, now);
	} else {
		evlog(sv_who(sv), "stopping now: killing everything");
		sm_kill_all(sv->sm, now);
	}
	sv_drain(sv);
}
