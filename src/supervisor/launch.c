/*
 * Starting a slot: a worker (its pipes, environment, ids, readiness
 * probe) or a child group's supervisor (forked ahead, released in its
 * turn); and what workers say over NOTIFY_SOCKET.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "evlog.h"
#include "group.h"
#include "format.h"
#include "spawn.h"
#include "svint.h"
#include "tmpl.h"
#include "workerenv.h"
#include "xmalloc.h"

static void
sv_spawn_failed(struct supervisor *sv, size_t i, const char *what, int err)
{
	evlog(sv->kids[i]->name, "%s: %s", what, strerror(err));
	sv_feedback(sv, &(struct sv_feedback){ .kind = SV_FB_EXITED,
	    .slot = i, .exit = { .code = 127 }, .at = supervisor_now() });
}

/*
 * What the placeholders of slot I's worker stand for (tmpl.h): its
 * instance's number, port and name (as PMTREE_NAME gives it).
 */
static void
sv_worker_vars(struct supervisor *sv, size_t i, struct tmpl_vars *v)
{
	const struct slot *s = sm_slot(sv->sm, i);
	const struct cfg_worker *w = &s->node->worker;

	v->instance = s->instance;
	v->port = w->port != 0 ? w->port + s->instance : 0;
	v->name = sv->kids[i]->name;
}

/*
 * An instance's own argv and cwd, when its worker's hold placeholders:
 * NULL for each that has none, so that any other start copies nothing.
 */
struct sv_inst {
	char	**argv;
	char	 *cwd;
	char	 *cwd_shown;
};

static void
sv_inst_expand(struct supervisor *sv, const struct cfg_worker *w,
    const struct tmpl_vars *v, struct sv_inst *in)
{
	memset(in, 0, sizeof(*in));
	if (w->tmpl & CFG_TMPL_CMD)
		in->argv = tmpl_expandv(w->argv, v);
	if (w->tmpl & CFG_TMPL_CWD) {
		/* The text written, replaced, then resolved as the loader does. */
		in->cwd_shown = tmpl_expand(w->cwd_shown, v);
		in->cwd = config_path(sv->tree->dir, in->cwd_shown);
	}
}

static void
sv_inst_free(struct sv_inst *in)
{
	tmpl_freev(in->argv);
	xfree(in->cwd);
	xfree(in->cwd_shown);
}

/*
 * NOTIFY_SOCKET for all, WATCHDOG_USEC and WATCHDOG_PID with a watchdog.
 * An env_file that cannot be read fails the start (WHY says why): the
 * child is spawned all the same, to exit 127 before its exec, as one that
 * cannot enter its cwd does.
 */
void
sv_worker_env(struct supervisor *sv, size_t i, struct workerenv *env,
    struct spawn_req *req, char *why, size_t len)
{
	const struct slot *s = sm_slot(sv->sm, i);
	const struct cfg_worker *w = &s->node->worker;
	struct tmpl_vars v;
	char buf[64];

	sv_worker_vars(sv, i, &v);
	req->no_exec = workerenv_build(env, sv->tree, s->node, &v, why,
	    len) < 0;
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
gid_t *
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

/*
 * What stopped a child before its exec: "chdir services/a: No such
 * file...", or ENVWHY, what the env_file said ("env_file .env:3: ...").
 */
static void
sv_spawn_why(const struct cfg_worker *w, const struct sv_inst *in,
    const struct spawn_fail *f, const char *envwhy, char *buf, size_t len)
{
	const char *prog = in->argv != NULL ? in->argv[0] : w->argv[0];

	if (f->step == SPAWN_NO_EXEC)
		snprintf(buf, len, "%s", envwhy);
	else if (f->step == SPAWN_CHDIR)
		snprintf(buf, len, "chdir %s: %s", in->cwd_shown != NULL ?
		    in->cwd_shown : w->cwd_shown, strerror(f->err));
	else if (f->step == SPAWN_EXEC)
		snprintf(buf, len, "exec %s: %s", prog, strerror(f->err));
	else
		snprintf(buf, len, "setting up %s: %s", prog, strerror(f->err));
}

void
sv_spawn_worker(struct supervisor *sv, size_t i)
{
	const struct slot *s = sm_slot(sv->sm, i);
	const struct cfg_worker *w = &s->node->worker;
	struct spawn_req req = { .argv = w->argv, .cwd = w->cwd,
	    .extra_fd = -1 };
	struct tmpl_vars vars;
	struct sv_inst inst;
	struct workerenv env;
	struct spawn_pipes p;
	gid_t *groups;
	int *out = p.out, *err = p.err, *rfd = p.ready, saved;
	struct spawn_fail fail;
	char why[PATH_MAX + 320], envwhy[PATH_MAX + 320];
	pid_t pid;

	if (spawn_pipes(&p, w->ready == CFG_READY_FD) < 0) {
		sv_spawn_failed(sv, i, "pipe", errno);
		return;
	}
	sv_worker_vars(sv, i, &vars);
	sv_inst_expand(sv, w, &vars, &inst);
	if (inst.argv != NULL)
		req.argv = inst.argv;
	if (inst.cwd != NULL)
		req.cwd = inst.cwd;
	groups = sv_worker_ids(w, &req);
	req.out_fd = out[1];
	req.err_fd = err[1];
	req.extra_fd = rfd[1];
	req.extra_to = w->ready_fd;
	sv_worker_env(sv, i, &env, &req, envwhy, sizeof(envwhy));
	pid = spawn_worker(&req, &fail);
	saved = errno;
	workerenv_free(&env);
	xfree(groups);
	if (rfd[1] >= 0)
		close(rfd[1]);
	if (pid > 0 && fail.err != 0) {	/* in its own log, as an err record */
		sv_spawn_why(w, &inst, &fail, envwhy, why, sizeof(why));
		dprintf(err[1], "%s\n", why);
	}
	sv_inst_free(&inst);
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
	if (w->max_memory > 0)
		sv_memwatch_arm(sv);
	sv_report(sv, i);	/* its pid, while it is starting */
	if (w->ready == CFG_READY_NONE)
		sv_feedback(sv, &(struct sv_feedback){ .kind = SV_FB_READY,
		    .slot = i, .at = supervisor_now() });
	else if (w->ready != CFG_READY_NOTIFY && w->ready != CFG_READY_EXITED)
		sv->kids[i]->probe = probe_start(sv->base, w, &vars, rfd[0], pid,
		    sv->kids[i]->name, sv_probe_ready, sv->kids[i]);
}

static void
sv_probe_ready(void *arg)
{
	struct child *k = arg;

	probe_free(k->probe);
	k->probe = NULL;
	sm_ready(k->sv->sm, k->slot, supervisor_now());
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
	const struct sm_notice n = { .ready = m->ready,
	    .reloading = m->reloading, .watchdog = m->watchdog,
	    .stopping = m->stopping };

	if (m->status != NULL || m->nmetrics > 0)
		sv_send_info(sv, sm_slot(sv->sm, i), m);
	sm_notified(sv->sm, i, &n, supervisor_now());
	sv_drain(sv);
}

/* Datagrams from anyone but our own workers are dropped, and counted. */
void
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
		    sm_slot(sv->sm, i)->node->kind != CFG_WORKER) {
			notify_drop();
			continue;
		}
		notify_parse(buf, (size_t)n, &m);
		sv_notified(sv, i, &m);
	}
}

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

void
sv_fork_ahead(struct supervisor *sv)
{
	pid_t pid[AHEAD_BATCH];
	int fd[AHEAD_BATCH];
	size_t i, from, n = 0, k;

	for (i = 0; i < sm_nslots(sv->sm); i++)
		n += sm_slot(sv->sm, i)->node->kind == CFG_GROUP;
	if (n < 2)
		return;
	for (from = 0; from < sm_nslots(sv->sm); from += AHEAD_BATCH) {
		n = sm_nslots(sv->sm) - from < AHEAD_BATCH ?
		    sm_nslots(sv->sm) - from : AHEAD_BATCH;
		for (k = 0; k < n; k++) {
			pid[k] = 0;
			if (sm_slot(sv->sm, from + k)->node->kind == CFG_GROUP &&
			    (pid[k] = group_fork(sv->tree,
			    sm_slot(sv->sm, from + k)->node, &sv->tab, &fd[k],
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
void
sv_ahead_drop(struct supervisor *sv)
{
	size_t i;

	for (i = 0; i < sm_nslots(sv->sm); i++) {
		if (sv->kids[i]->ahead > 0) {
			close(sv->kids[i]->ahead_fd);
			sv->kids[i]->ahead = 0;
		}
	}
}

void
sv_spawn_group(struct supervisor *sv, size_t i)
{
	struct child *k = sv->kids[i];
	int fd;
	pid_t pid;

	pid = sv_ahead_take(sv, i, &fd);
	if (pid <= 0)
		pid = group_fork(sv->tree, sm_slot(sv->sm, i)->node, &sv->tab, &fd,
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
