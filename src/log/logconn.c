#include <sys/socket.h>
#include <sys/un.h>

#include <event2/event.h>

#include <errno.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evlog.h"
#include "logconn.h"
#include "logproto.h"
#include "xmalloc.h"

#define RETRY_MS	100	/* only when the backlog is full */
#define REFUSED_MS	1000	/* the collector could not take pipes (no fds) */
#define RECONNECT_MS	1000	/* connections that keep dropping: slow down */
#define QUICK_DROPS	3	/* ... after this many in a row */

struct entry {
	struct logmsg	msg;
	char		*path;
	int		fd[2];
	bool		sent;
	bool		refused;	/* the collector had no room: later */
};

struct logconn {
	struct event_base	*base;
	int			 fd;
	struct event		*rev;
	struct event		*wev;
	struct event		*retry;
	struct event		*again;		/* refused pipes, sent again */
	uint64_t		 connected_ms;
	int			 quick;		/* drops in a row, each soon */
	struct entry		*v;
	size_t			 n;
	size_t			 cap;
	logconn_drained_cb	*cb;
	void			*arg;
};

static pid_t logconn_root;

static void	logconn_connect(struct logconn *);

void
logconn_set_root(pid_t pid)
{
	logconn_root = pid;
}

static void
logconn_drop(struct logconn *lc)
{
	size_t k;

	if (lc->rev != NULL)
		event_free(lc->rev);
	if (lc->wev != NULL)
		event_free(lc->wev);
	lc->rev = lc->wev = NULL;
	if (lc->fd >= 0)
		close(lc->fd);
	lc->fd = -1;
	for (k = 0; k < lc->n; k++)
		lc->v[k].sent = false;
}

/* Sends what the current collector does not have yet. */
static void
logconn_flush(struct logconn *lc)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	struct iovec iov[2];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	struct cmsghdr *cm;
	size_t k;

	for (k = 0; k < lc->n && lc->fd >= 0; k++) {
		if (lc->v[k].sent || lc->v[k].refused)
			continue;
		iov[0].iov_base = &lc->v[k].msg;
		iov[0].iov_len = sizeof(lc->v[k].msg);
		iov[1].iov_base = lc->v[k].path;
		iov[1].iov_len = strlen(lc->v[k].path) + 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
		memcpy(CMSG_DATA(cm), lc->v[k].fd, 2 * sizeof(int));
		if (sendmsg(lc->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
			lc->v[k].sent = true;
			continue;
		}
		if (errno == EAGAIN || errno == EINTR)
			event_add(lc->wev, NULL);
		else
			logconn_connect(lc);	/* the collector is gone */
		return;
	}
}

/* The collector was out of fds: these go again in a while, not now. */
static void
logconn_refused(struct logconn *lc, pid_t pid)
{
	struct timeval tv = { REFUSED_MS / 1000, (REFUSED_MS % 1000) * 1000 };
	size_t k;

	for (k = 0; k < lc->n; k++) {
		if (lc->v[k].msg.pid == pid) {
			lc->v[k].sent = false;
			lc->v[k].refused = true;
		}
	}
	if (!evtimer_pending(lc->again, NULL))
		evtimer_add(lc->again, &tv);
}

static void
logconn_again(evutil_socket_t fd, short what, void *arg)
{
	struct logconn *lc = arg;
	size_t k;

	for (k = 0; k < lc->n; k++)
		lc->v[k].refused = false;
	logconn_flush(lc);
}

static void
logconn_remove(struct logconn *lc, pid_t pid)
{
	size_t k;

	for (k = 0; k < lc->n; k++) {
		if (lc->v[k].msg.pid != pid)
			continue;
		close(lc->v[k].fd[0]);
		close(lc->v[k].fd[1]);
		xfree(lc->v[k].path);
		lc->v[k] = lc->v[--lc->n];
		lc->cb(pid, lc->arg);
		return;
	}
}

static uint64_t
logconn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/*
 * At once after a collector's death, even a second one within a second:
 * the root keeps the listening socket, so the pipes sent now wait in its
 * backlog for the next collector, and a supervisor that dies meanwhile
 * loses no line its workers wrote.  Only a connection that keeps dropping
 * (a collector refusing us) slows down.
 */
static void
logconn_reconnect(struct logconn *lc)
{
	struct timeval tv = { RECONNECT_MS / 1000, (RECONNECT_MS % 1000) * 1000 };

	if (logconn_now() - lc->connected_ms >= RECONNECT_MS)
		lc->quick = 0;
	if (++lc->quick <= QUICK_DROPS) {
		logconn_connect(lc);
		return;
	}
	logconn_drop(lc);
	evtimer_add(lc->retry, &tv);
}

static void
logconn_read(evutil_socket_t fd, short what, void *arg)
{
	struct logconn *lc = arg;
	struct logmsg m;
	ssize_t n;

	while ((n = recv(fd, &m, sizeof(m), MSG_DONTWAIT)) == (ssize_t)sizeof(m)) {
		if (m.type == LOGMSG_DRAINED)
			logconn_remove(lc, m.pid);
		else if (m.type == LOGMSG_RETRY)
			logconn_refused(lc, m.pid);
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || n > 0)
		logconn_reconnect(lc);	/* EOF: a new collector takes over */
}

static void
logconn_write(evutil_socket_t fd, short what, void *arg)
{
	logconn_flush(arg);
}

static void
logconn_retry(evutil_socket_t fd, short what, void *arg)
{
	logconn_connect(arg);
}

/* (Re)connects and hands everything over; queued in the backlog if need be. */
static void
logconn_connect(struct logconn *lc)
{
	struct sockaddr_un sun;
	struct timeval tv = { 0, RETRY_MS * 1000 };
	unsigned len;

	logconn_drop(lc);
	logproto_address(&sun, &len, (int)logconn_root);
	lc->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lc->fd < 0 || connect(lc->fd, (struct sockaddr *)&sun, len) < 0) {
		if (errno != EAGAIN)
			evlog("pmtree", "connecting to the log collector: %s",
			    strerror(errno));
		logconn_drop(lc);
		evtimer_add(lc->retry, &tv);
		return;
	}
	lc->connected_ms = logconn_now();
	lc->rev = event_new(lc->base, lc->fd, EV_READ | EV_PERSIST, logconn_read, lc);
	lc->wev = event_new(lc->base, lc->fd, EV_WRITE, logconn_write, lc);
	event_add(lc->rev, NULL);
	logconn_flush(lc);
}

struct logconn *
logconn_new(struct event_base *base, logconn_drained_cb *cb, void *arg)
{
	struct logconn *lc = xcalloc(1, sizeof(*lc));

	lc->base = base;
	lc->fd = -1;
	lc->cb = cb;
	lc->arg = arg;
	lc->retry = evtimer_new(base, logconn_retry, lc);
	lc->again = evtimer_new(base, logconn_again, lc);
	logconn_connect(lc);
	return (lc);
}

void
logconn_free(struct logconn *lc)
{
	size_t k;

	if (lc == NULL)
		return;
	logconn_drop(lc);
	for (k = 0; k < lc->n; k++) {
		close(lc->v[k].fd[0]);
		close(lc->v[k].fd[1]);
		xfree(lc->v[k].path);
	}
	event_free(lc->retry);
	event_free(lc->again);
	xfree(lc->v);
	xfree(lc);
}

void
logconn_add(struct logconn *lc, const struct logmsg *m, const char *path,
    int out, int err)
{
	if (lc->n == lc->cap) {
		lc->cap = lc->cap ? lc->cap * 2 : 16;
		lc->v = xreallocarray(lc->v, lc->cap, sizeof(*lc->v));
	}
	lc->v[lc->n] = (struct entry){ .msg = *m, .path = xstrdup(path),
	    .fd = { out, err } };
	lc->v[lc->n++].msg.type = LOGMSG_PIPES;
	logconn_flush(lc);
}

bool
logconn_refused_now(const struct logconn *lc, pid_t pid)
{
	size_t k;

	for (k = 0; k < lc->n; k++) {
		if (lc->v[k].msg.pid == pid)
			return (lc->v[k].refused);
	}
	return (false);
}

bool
logconn_has(const struct logconn *lc, pid_t pid)
{
	size_t k;

	for (k = 0; k < lc->n; k++) {
		if (lc->v[k].msg.pid == pid)
			return (true);
	}
	return (false);
}
