#include <sys/prctl.h>
#include <sys/socket.h>

#include <event2/event.h>

#include <errno.h>
#include <poll.h>
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

/* A byte on the channel: the parent's word that this one's turn has come. */
static bool
group_turn(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	char c;

	for (;;) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return (false);
		if ((n = read(fd, &c, 1)) == 1)
			return (true);
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return (false);
	}
}

__attribute__((noreturn)) static void
group_child(const struct cfg_tree *t, const struct cfg_node *g,
    const struct nodetab *parent, int fd, bool ahead)
{
	struct event_base *base;
	struct supervisor *sv;
	sigset_t handled;
	int status = 1, keep[] = { fd, evlog_fd() };

	pool_start();
	fdutil_close_except(keep, 2);
	proctitle_set("pmtree: group %s", g->path);
	/* Its own process group: a terminal's ^C is for the root alone. */
	if (setpgid(0, 0) < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		evlog(g->path, "setting up the supervisor: %s", strerror(errno));
		_exit(1);
	}
	/* Not needed after all (EOF): the parent has forgotten it. */
	if (ahead && !group_turn(fd))
		_exit(0);
	/* Said here, so that it comes before anything the group says. */
	evlog(g->path, "supervisor started (pid %d)", (int)getpid());
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
    const struct nodetab *parent, int *fd, bool ahead)
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
		group_child(t, g, parent, sp[1], ahead);
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
