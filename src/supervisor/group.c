#include <sys/prctl.h>
#include <sys/socket.h>

#include <event2/event.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evlog.h"
#include "fdutil.h"
#include "group.h"
#include "pool.h"
#include "proctitle.h"
#include "supervisor.h"

__attribute__((noreturn)) static void
group_child(const struct cfg_tree *t, const struct cfg_node *g,
    const struct nodetab *parent, int fd)
{
	struct event_base *base;
	struct supervisor *sv;
	sigset_t handled;
	int status = 1, keep[] = { fd, evlog_fd() };

	pool_start();
	fdutil_close_except(keep, 2);
	proctitle_set("pmtree: group %s", g->path);
	/* Said here, so that it comes before anything the group says. */
	evlog(g->path, "supervisor started (pid %d)", (int)getpid());
	/* Its own process group: a terminal's ^C is for the root alone. */
	if (setpgid(0, 0) < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		evlog(g->path, "setting up the supervisor: %s", strerror(errno));
		_exit(1);
	}
	if ((base = event_base_new()) == NULL) {
		evlog(g->path, "event_base_new failed");
		_exit(1);
	}
	if ((sv = supervisor_new(base, t, g, fd, parent)) != NULL) {
		supervisor_sigset(&handled);
		sigprocmask(SIG_SETMASK, &handled, NULL);
		status = supervisor_run(sv);
		supervisor_free(sv);
	}
	event_base_free(base);
	exit(status);
}

pid_t
group_fork(const struct cfg_tree *t, const struct cfg_node *g,
    const struct nodetab *parent, int *fd)
{
	sigset_t all, old;
	int sp[2], saved;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sp) < 0)
		return (-1);
	/* Unflushed stdio would be written twice, once by each process. */
	fflush(stdout);
	fflush(stderr);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0)
		group_child(t, g, parent, sp[1]);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sp[1]);
	if (pid < 0) {
		close(sp[0]);
		errno = saved;
		return (-1);
	}
	*fd = sp[0];
	return (pid);
}
