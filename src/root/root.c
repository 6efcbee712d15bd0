/*
 * The root: takes the tree's lock, opens pmtree.log, detaches if asked,
 * then runs the root group's supervisor until the tree is down.
 */
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clients.h"
#include "control.h"
#include "detach.h"
#include "evlog.h"
#include "fsutil.h"
#include "http.h"
#include "logsup.h"
#include "machine.h"
#include "proctitle.h"
#include "root.h"
#include "sockpath.h"
#include "socklink.h"
#include "spawn.h"
#include "command.h"
#include "supervisor.h"

struct root {
	const struct cfg_tree	*tree;
	char			 sock[PATH_MAX];
	int			 lockfd;
	struct socklink		 link;		/* in <rundir>, if outside */
	struct detach		*dt;		/* -d: the waiting caller */
	uint64_t		 started_ms;
	bool			 to_stdout;
	ctl_find_fn		*find;		/* the commands' table */
	struct commands		*cmds;
	struct control		*ctl;
	struct http		*http;
	struct logsup		*logs;
};

/* The lock beside the socket; a dead root's lock is free, so never stale. */
static int
root_lock(struct root *r)
{
	char path[PATH_MAX + 8], dir[PATH_MAX];
	const char *what;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", r->sock);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (fsutil_mkdirs(dir, 0700) < 0) {
			fprintf(stderr, "pmtree: mkdir %s: %s\n", dir, strerror(errno));
			return (-1);
		}
	}
	snprintf(path, sizeof(path), "%s.lock", r->sock);
	switch (fsutil_lock(path, &r->lockfd, &what)) {
	case 0:
		return (0);
	case -1:
		fprintf(stderr, "pmtree: %s %s: %s\n", what, path, strerror(errno));
		return (-1);
	}
	fprintf(stderr, "pmtree: already running (pid %d)\n",
	    fsutil_read_pid(r->lockfd));
	close(r->lockfd);
	r->lockfd = -1;
	return (-1);
}

/*
 * Only once our socket is gone: a new root could otherwise lock a fresh
 * file, bind the path, and lose its socket to our unlink.
 */
static void
root_unlock(struct root *r)
{
	char path[PATH_MAX + 8];

	snprintf(path, sizeof(path), "%s.lock", r->sock);
	if (fsutil_unlock(path, r->lockfd) < 0)
		evlog("pmtree", "unlink %s: %s", path, strerror(errno));
	r->lockfd = -1;
}

static void
root_write_pid(struct root *r)
{
	if (fsutil_write_pid(r->lockfd) < 0)
		evlog("pmtree", "writing the pid to %s.lock: %s", r->sock,
		    strerror(errno));
}

static void
root_ready(struct supervisor *sv, void *arg)
{
	struct root *r = arg;

	evlog("pmtree", "tree %s is up (%zu workers)", r->tree->name,
	    r->tree->nworkers);
	detach_ready(r->dt);
	r->dt = NULL;
}

static void
root_signal(struct supervisor *sv, int sig, void *arg)
{
	struct root *r = arg;

	if (sig == SIGUSR1) {
		if (evlog_open(r->tree->log.dir, r->tree->log.max_size,
		    r->tree->log.keep) < 0)
			evlog("pmtree", "reopening %s/pmtree.log: %s",
			    r->tree->log.dir, evlog_strerror(errno));
		logsup_reopen(r->logs);
		return;
	}
	if (sig == SIGHUP && r->cmds != NULL)
		commands_hangup(r->cmds);
}

static pid_t
root_collector(void *arg)
{
	return (logsup_pid(((struct root *)arg)->logs));
}

static bool
root_reaped(pid_t pid, int status, void *arg)
{
	struct root *r = arg;
	return (logsup_reaped(r->logs, pid, status));
}

/* The tree is down: answer every `shutdown` before the socket goes. */
static void
root_close_control(struct root *r)
{
	if (r->cmds != NULL)
		commands_down(r->cmds);
	if (r->ctl != NULL) {
		control_flush(r->ctl);
		control_close(r->ctl);
		r->ctl = NULL;
	}
}

/* Logged, and told to a caller of -d that waits for the tree. */
static void __attribute__((format(printf, 2, 3)))
root_fail(struct root *r, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	evlog("pmtree", "%s", text);
	detach_say(r->dt, "%s", text);
}

/* It answers while the tree is still starting: so it opens first. */
static int
root_http(struct root *r, struct event_base *base)
{
	struct http_view v = { .tree = commands_tree, .table = commands_table,
	    .status = commands_status, .arg = r->cmds };

	if ((r->http = http_open(base, r->tree->control_http, &v)) != NULL)
		return (0);
	root_fail(r, "control.http %s: %s", r->tree->control_http,
	    strerror(errno));
	return (-1);
}

static int
root_loop(struct root *r)
{
	struct event_base *base;
	struct supervisor *sv = NULL;
	int status = 1, ended = -1, code;

	/*
	 * Three priorities: clients (control socket, HTTP) at the lowest, so
	 * that a crowd of them never delays a restart or a reap.
	 */
	if ((base = event_base_new()) == NULL ||
	    event_base_priority_init(base, 3) < 0) {
		root_fail(r, "event_base_new failed");
		if (base != NULL)
			event_base_free(base);
		return (1);
	}
	/* The collector first: it is the first process of the tree to start. */
	if ((r->logs = logsup_new(base, r->tree, r->to_stdout)) == NULL ||
	    logsup_start(r->logs) < 0) {
		root_fail(r, "starting the log collector: %s", strerror(errno));
		goto out;
	}
	if ((sv = supervisor_new(base, r->tree, r->tree->root, -1, NULL)) == NULL)
		goto out;
	r->cmds = commands_new(r->tree, sv, r->logs, r->started_ms, r->find);
	r->ctl = control_open(base, r->sock, commands_request, r->cmds);
	if (r->ctl == NULL) {
		root_fail(r, "control socket %s: %s", r->sock, strerror(errno));
		goto out;
	}
	socklink_make(&r->link, r->sock, r->tree->name);
	if (r->tree->control_http != NULL && root_http(r, base) < 0)
		goto out;
	supervisor_on_ready(sv, root_ready, r);
	supervisor_on_signal(sv, root_signal, r);
	supervisor_on_change(sv, commands_changed, r->cmds);
	supervisor_on_reap(sv, root_reaped, r);
	supervisor_spare(sv, root_collector, r);
	detach_watch(r->dt, base, &(struct detach_view){ .tree = commands_tree,
	    .table = commands_table, .arg = r->cmds });
	evlog("pmtree", "starting tree %s (pid %d)", r->tree->name, (int)getpid());
	status = supervisor_run(sv);
	/* A tree that ends with its main process exits with that one's code. */
	if (status == SM_EXIT_OK && supervisor_ended(sv, &code))
		ended = code;
out:
	detach_end(r->dt, status, r->cmds == NULL ? NULL :
	    &(struct detach_view){ .tree = commands_tree,
	    .table = commands_table, .arg = r->cmds });
	r->dt = NULL;
	http_close(r->http);
	r->http = NULL;
	supervisor_free(sv);
	if (r->logs != NULL)
		logsup_stop(r->logs);
	/* Before `shutdown` is answered, so that its client finds no link. */
	socklink_remove(&r->link);
	root_close_control(r);
	commands_free(r->cmds);
	r->cmds = NULL;
	logsup_free(r->logs);
	r->logs = NULL;
	event_base_free(base);
	if (ended >= 0)
		evlog("pmtree", "tree %s ended by a significant child: exit code "
		    "%d", r->tree->name, ended);
	else if (status == SM_EXIT_OK)
		evlog("pmtree", "tree %s stopped", r->tree->name);
	if (ended >= 0)
		return (ended);
	return (status == SM_EXIT_OK || status == SM_EXIT_GAVE_UP ? status : 1);
}

/* `user`/`group` other than our own need root; said before anything starts. */
static int
root_check_ids(const struct cfg_tree *t)
{
	const struct cfg_worker *w;
	size_t k;
	int bad = 0;

	if (geteuid() == 0)
		return (0);
	for (k = 0; k < t->nnodes; k++) {
		if (t->nodes[k]->kind != CFG_WORKER)
			continue;
		w = &t->nodes[k]->worker;
		if ((w->has_uid && w->uid != geteuid()) ||
		    (w->has_gid && w->gid != getegid())) {
			fprintf(stderr, "pmtree: %s: `user` and `group` need pmtree "
			    "to run as root\n", t->nodes[k]->path);
			bad = 1;
		}
	}
	return (bad ? -1 : 0);
}

int
root_run(const struct cfg_tree *t, const struct root_opts *o)
{
	struct root r = { .tree = t, .lockfd = -1, .link = SOCKLINK_NONE,
	    .to_stdout = o->to_stdout, .find = o->find };
	sigset_t handled;
	rlim_t nofile;
	int rc = 1;

	if (root_check_ids(t) < 0)
		return (2);
	if (sockpath_for_tree(t->control_socket, t->name, r.sock,
	    sizeof(r.sock)) < 0) {
		fprintf(stderr, "pmtree: control socket path too long\n");
		return (1);
	}
	if (root_lock(&r) < 0)
		goto out;
	if (evlog_open(t->log.dir, t->log.max_size, t->log.keep) < 0) {
		fprintf(stderr, "pmtree: open %s/pmtree.log: %s\n", t->log.dir,
		    evlog_strerror(errno));
		goto out;
	}
	if (o->daemon && (r.dt = detach_fork(t->log.dir)) == NULL) {
		evlog("pmtree", "detaching: %s", strerror(errno));
		goto out;
	}
	root_write_pid(&r);
	r.started_ms = supervisor_now();
	proctitle_set("pmtree: root %s", t->name);
	nofile = spawn_raise_nofile();
	if (nofile < 3 * t->nworkers + 64)
		evlog("pmtree", "the limit on open files may be too low for %zu "
		    "workers (ulimit -n)", t->nworkers);
	clients_limit(nofile, t->nworkers);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		evlog("pmtree", "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	supervisor_sigset(&handled);
	sigprocmask(SIG_BLOCK, &handled, NULL);
	/*
	 * Parsing left free holes all over the heap (libyaml's buffers): give
	 * their pages back before the collector and every group supervisor
	 * are forked, or each of them would map them too.
	 */
	malloc_trim(0);
	rc = root_loop(&r);
out:
	if (r.lockfd >= 0)
		root_unlock(&r);
	evlog_close();
	detach_end(r.dt, rc, NULL);
	return (rc);
}
