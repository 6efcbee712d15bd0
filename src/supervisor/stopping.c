/*
 * A stop under way, as the machine asked for it: a worker's stop_command
 * (started like a worker, in its cwd, as its user, with its environment
 * and PMTREE_PID, its output in the worker's log; reaped apart from the
 * workers, killed when its time is up), and the lines that say, once a
 * second, what a stop still waits for.
 */
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "evlog.h"
#include "svint.h"
#include "units.h"
#include "xmalloc.h"

#define STOPWAIT_MS	1000	/* a line per child stopping, this often */
#define STOPWAIT_SLACK_MS 20

/* It could not be run: the machine hears of it as an exit 127. */
static void
sv_stop_failed(struct supervisor *sv, size_t i, const char *what, int err)
{
	evlog(sv->kids[i]->name, "stop_command: %s: %s", what, strerror(err));
	sv_feedback(sv, &(struct sv_feedback){ .kind = SV_FB_STOP_EXITED,
	    .slot = i, .exit = { .code = 127 }, .at = supervisor_now() });
}

static void
sv_stop_why(const struct cfg_worker *w, const struct spawn_fail *f,
    const char *envwhy, char *buf, size_t len)
{
	if (f->step == SPAWN_NO_EXEC)
		snprintf(buf, len, "stop_command: %s", envwhy);
	else if (f->step == SPAWN_CHDIR)
		snprintf(buf, len, "stop_command: chdir %s: %s", w->cwd_shown,
		    strerror(f->err));
	else if (f->step == SPAWN_EXEC)
		snprintf(buf, len, "stop_command: exec %s: %s", w->stop_argv[0],
		    strerror(f->err));
	else
		snprintf(buf, len, "stop_command: setting up %s: %s",
		    w->stop_argv[0], strerror(f->err));
}

static void
sv_stop_killpg(pid_t pid)
{
	if (killpg(pid, SIGKILL) < 0 && errno == ESRCH)
		(void)kill(pid, SIGKILL);
}

static void
sv_stop_due_cb(evutil_socket_t fd, short what, void *arg)
{
	struct child *k = arg;

	if (k->stop_pid > 0)
		sv_stop_killpg(k->stop_pid);
}

/* Its time is the worker's: SIGKILLed at UNTIL (0: never) if it still runs. */
static void
sv_stop_arm(struct supervisor *sv, struct child *k, uint64_t until)
{
	uint64_t now = supervisor_now(), ms;
	struct timeval tv;

	if (until == 0)
		return;
	if (k->stop_due == NULL)
		k->stop_due = evtimer_new(sv->base, sv_stop_due_cb, k);
	ms = until > now ? until - now + 1 : 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(k->stop_due, &tv);
}

/*
 * The worker's own environment (WATCHDOG_PID its pid, as it has it), plus
 * PMTREE_PID.  The command is the leader of its own process group, as a
 * worker is.
 */
static void
sv_stop_env(struct supervisor *sv, size_t i, struct workerenv *env,
    struct spawn_req *req, char *why, size_t len)
{
	char pid[32];

	sv_worker_env(sv, i, env, req, why, len);
	snprintf(pid, sizeof(pid), "%d", (int)sv->kids[i]->pid);
	if (req->pid_slot != NULL) {
		(void)workerenv_set(env, "WATCHDOG_PID", pid);
		req->pid_slot = NULL;
	}
	(void)workerenv_set(env, "PMTREE_PID", pid);
	req->envp = env->envp;
	req->path = workerenv_get(env, "PATH");
}

void
sv_stop_command(struct supervisor *sv, size_t i, uint64_t until)
{
	const struct slot *s = sm_slot(sv->sm, i);
	const struct cfg_worker *w = &s->node->worker;
	struct child *k = sv->kids[i];
	struct spawn_req req = { .argv = w->stop_argv, .cwd = w->cwd,
	    .extra_fd = -1 };
	struct workerenv env;
	struct spawn_pipes p;
	struct spawn_fail fail;
	char why[PATH_MAX + 400], envwhy[PATH_MAX + 320];
	gid_t *groups;
	pid_t pid;
	int saved;

	if (k->pid <= 0) {
		sv_stop_failed(sv, i, "no process to stop", ESRCH);
		return;
	}
	if (spawn_pipes(&p, false) < 0) {
		sv_stop_failed(sv, i, "pipe", errno);
		return;
	}
	groups = sv_worker_ids(w, &req);
	req.out_fd = p.out[1];
	req.err_fd = p.err[1];
	sv_stop_env(sv, i, &env, &req, envwhy, sizeof(envwhy));
	pid = spawn_worker(&req, &fail);
	saved = errno;
	workerenv_free(&env);
	xfree(groups);
	if (pid > 0 && fail.err != 0) {	/* in the worker's log, as err */
		sv_stop_why(w, &fail, envwhy, why, sizeof(why));
		dprintf(p.err[1], "%s\n", why);
	}
	close(p.out[1]);
	close(p.err[1]);
	if (pid < 0) {
		close(p.out[0]);
		close(p.err[0]);
		sv_stop_failed(sv, i, "fork", saved);
		return;
	}
	/* One of an earlier stop, killed, is reaped as a stranger. */
	k->stop_pid = pid;
	pidmap_put(&sv->stops, pid, i);
	/* Its lines go to the worker's file, under its own pid. */
	logconn_add(sv->logc, &(struct logmsg){ .instance = s->instance,
	    .pid = pid, .multi = k->multi, .log_off = w->log_off,
	    .log_file = (int8_t)w->log_file,
	    .log_stdout = (int8_t)w->log_stdout }, s->node->path, p.out[0],
	    p.err[0]);
	if (fail.err != 0) {
		evlog(k->name, "%s", why);
		return;	/* it exits 127: reaped as a failure */
	}
	evlog(k->name, "stop_command started (pid %d, for pid %d)", (int)pid,
	    (int)k->pid);
	sv_stop_arm(sv, k, until);
}

void
sv_stop_command_kill(struct supervisor *sv, size_t i)
{
	struct child *k = sv->kids[i];

	if (k->stop_pid <= 0)
		return;
	sv_stop_killpg(k->stop_pid);
	if (k->stop_due != NULL)
		evtimer_del(k->stop_due);
}

/* Nothing a supervisor started outlives it. */
void
sv_stop_commands_end(struct supervisor *sv)
{
	size_t i;

	for (i = 0; i < sm_nslots(sv->sm); i++) {
		if (sv->kids[i]->stop_pid > 0)
			sv_stop_killpg(sv->kids[i]->stop_pid);
	}
}

/*
 * A reaped child that is a stop_command: its end goes to the machine, and
 * what it left in its process group is killed.  Never a worker's exit.
 */
bool
sv_stop_reaped(struct supervisor *sv, pid_t pid, int status)
{
	struct exit_info x;
	struct child *k;
	char what[64];
	size_t i;

	if (pidmap_take(&sv->stops, pid, &i) < 0)
		return (false);
	(void)killpg(pid, SIGKILL);
	if (i >= sm_nslots(sv->sm) || sv->kids[i]->stop_pid != pid)
		return (true);	/* of an earlier stop, killed since */
	k = sv->kids[i];
	k->stop_pid = 0;
	if (k->stop_due != NULL)
		evtimer_del(k->stop_due);
	x.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	x.sig = WIFEXITED(status) ? 0 : WTERMSIG(status);
	sv_fmt_exit(what, sizeof(what), x);
	evlog(k->name, "stop_command %s", what);
	sm_stop_command_exited(sv->sm, i, x, supervisor_now());
	return (true);
}

/* --- what a stop waits for ------------------------------------------------ */

/*
 * The lines' next time, on our clock; the timer is a little later, since
 * libevent's coarse clock may fire it a few ms early.
 */
static void
sv_stopwait_at(struct supervisor *sv, uint64_t at, uint64_t now)
{
	uint64_t ms = at - now + STOPWAIT_SLACK_MS;
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	sv->stopwait_at = at;
	evtimer_add(sv->stopwait, &tv);
}

/*
 * Slot I's state was reported: the timer runs while a child stops, and
 * goes when none does, so that an idle tree has none and a quick stop
 * never wakes the loop for it.
 */
void
sv_stopwait_note(struct supervisor *sv, size_t i)
{
	struct child *k = sv->kids[i];
	bool now_stopping = sm_slot(sv->sm, i)->state == SLOT_STOPPING;
	uint64_t now;

	if (k->stopping == now_stopping)
		return;
	k->stopping = now_stopping;
	if (!now_stopping) {
		if (sv->nstopping > 0 && --sv->nstopping == 0)
			evtimer_del(sv->stopwait);
		return;
	}
	if (sv->nstopping++ > 0 || evtimer_pending(sv->stopwait, NULL))
		return;
	now = supervisor_now();
	sv_stopwait_at(sv, now + STOPWAIT_MS, now);
}

/* After the children moved (a reload): counted again. */
void
sv_stopwait_count(struct supervisor *sv)
{
	size_t i;

	sv->nstopping = 0;
	for (i = 0; i < sm_nslots(sv->sm); i++)
		sv->nstopping += sv->kids[i]->stopping;
	if (sv->nstopping == 0)
		evtimer_del(sv->stopwait);
}

static double
sv_secs(uint64_t ms)
{
	return ((double)ms / 1000.0);
}

/* "TERM 3.0 s ago", "stop_command 3.0 s ago". */
static void
sv_stopwait_sent(const struct slot *s, uint64_t now, char *buf, size_t len)
{
	const char *name;

	if (s->stop_sig == SM_SIG_COMMAND)
		name = "stop_command";
	else if ((name = units_signal_name(s->stop_sig)) == NULL)
		name = "a signal";
	snprintf(buf, len, "%s %.1f s ago", name,
	    sv_secs(now - s->stop_sent_at));
}

/*
 * `stopping: waiting for api/web:1 (pid 123, TERM 3.0 s ago, SIGKILL in
 * 2.0 s)`, for what pmtree asked to stop.  Not a slot SIGKILLed already
 * (it is going), nor one stopping by itself (STOPPING=1: nothing asked).
 */
static void
sv_stopwait_line(struct supervisor *sv, size_t i, uint64_t now)
{
	const struct slot *s = sm_slot(sv->sm, i);
	char sent[64], kill[48];

	sv_stopwait_sent(s, now, sent, sizeof(sent));
	if (s->due == 0)
		snprintf(kill, sizeof(kill), "no SIGKILL");
	else
		snprintf(kill, sizeof(kill), "SIGKILL in %.1f s",
		    sv_secs(s->due > now ? s->due - now : 0));
	evlog(sv_who(sv), "stopping: waiting for %s (pid %d, %s, %s)",
	    sv->kids[i]->name, (int)sv->kids[i]->pid, sent, kill);
}

void
sv_stopwait_cb(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *sv = arg;
	uint64_t now = supervisor_now();
	bool any = false;
	size_t i;

	for (i = 0; i < sm_nslots(sv->sm); i++) {
		const struct slot *s = sm_slot(sv->sm, i);

		if (s->state != SLOT_STOPPING)
			continue;
		any = true;
		if (!s->killed && s->stop_sig != SM_SIG_NONE &&
		    now - s->stop_since >= STOPWAIT_MS)
			sv_stopwait_line(sv, i, now);
	}
	if (!any)
		return;
	/* Every second from the first: no drift. */
	if (sv->stopwait_at + STOPWAIT_MS > now)
		sv_stopwait_at(sv, sv->stopwait_at + STOPWAIT_MS, now);
	else
		sv_stopwait_at(sv, now + STOPWAIT_MS, now);
}
