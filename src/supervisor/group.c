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
#include "group.h"
#include "proc.h"
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

/* What the child needs of its parent's stack. */
struct group_args {
	const struct cfg_tree	*t;
	const struct cfg_node	*g;
	const struct nodetab	*parent;
	int			 fd;
	bool			 ahead;
};

__attribute__((noreturn)) static void
group_child(void *arg)
{
	const struct group_args *a = arg;
	const struct cfg_node *g = a->g;
	struct event_base *base;
	struct supervisor *sv;
	sigset_t handled;
	int status = 1, fd = a->fd;

	/* Its own process group: a terminal's ^C is for the root alone. */
	if (setpgid(0, 0) < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		evlog(g->path, "setting up the supervisor: %s", strerror(errno));
		_exit(1);
	}
	/* Not needed after all (EOF): the parent has forgotten it. */
	if (a->ahead && !group_turn(fd))
		_exit(0);
	/* Said here, so that it comes before anything the group says. */
	evlog(g->path, "supervisor started (pid %d)", (int)getpid());
	if ((base = event_base_new()) == NULL) {
		evlog(g->path, "event_base_new failed");
		_exit(1);
	}
	if ((sv = supervisor_new(base, a->t, g, fd, a->parent)) != NULL) {
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
	struct group_args a = { .t = t, .g = g, .parent = parent,
	    .ahead = ahead };
	char title[4200];
	int sp[2], keep[2], saved;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sp) < 0)
		return (-1);
	a.fd = keep[0] = sp[1];
	keep[1] = evlog_fd();
	snprintf(title, sizeof(title), "pmtree: group %s", g->path);
	pid = proc_fork(title, keep, 2, group_child, &a);
	saved = errno;
	close(sp[1]);
	if (pid < 0) {
		close(sp[0]);
		errno = saved;
		return (-1);
	}
	*fd = sp[0];
	return (pid);
}
