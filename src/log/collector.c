/*
 * The log collector: reads every worker's stdout and stderr pipe itself
 * (the supervisors pass them over with SCM_RIGHTS), cuts lines into
 * records, and writes them batched to the workers' files and, if asked,
 * to pmtree's stdout.
 *
 * Nothing is lost when it is killed: a pipe is peeked with tee(2), the
 * records are written, and only then are their bytes consumed, so what the
 * collector had not yet written is still in the pipe for the next one (the
 * supervisors hold the pipes too).  The one write under way, and the start
 * of any line read ahead of its end (a carry), are in memory the root keeps
 * (logproto.h), for the next collector to settle and take over.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "colint.h"
#include "evlog.h"
#include "xmalloc.h"

_Static_assert(FRAME_MAX <= LOGCARRY_MAX, "a carry is less than a record");

/* --- files -------------------------------------------------------------- */

void
collector_error(struct collector *c, struct logfile *lf, const char *what)
{
	c->shm->errors++;
	snprintf(c->shm->last_error, sizeof(c->shm->last_error), "%s %s: %s",
	    what, lf->path, logfile_strerror(lf, errno));
	if (!lf->failing)
		evlog("pmtree", "log collector: %s", c->shm->last_error);
	lf->failing = true;
}

/*
 * A file writes again: once no file fails, status stops showing the last
 * error, which would otherwise say the disk is full long after it was not.
 */
void
collector_recovered(struct collector *c)
{
	const struct file *f;
	unsigned h;

	for (h = 0; h < FILE_BUCKETS; h++) {
		for (f = c->files[h]; f != NULL; f = f->next) {
			if (f->lf.failing)
				return;
		}
	}
	c->shm->last_error[0] = '\0';
}

uint32_t
name_hash(const char *p)
{
	uint32_t h = 5381;

	while (*p != '\0')
		h = h * 33 + (unsigned char)*p++;
	return (h);
}

static unsigned
file_hash(const char *p)
{
	return (name_hash(p) % FILE_BUCKETS);
}

/* Opens the file where the current settings put it, if not open yet. */
struct logfile *
file_open(struct collector *c, struct file *f)
{
	char name[PATH_MAX];

	if (f->open)
		return (&f->lf);
	snprintf(name, sizeof(name), "%s.log", f->wpath);
	if (logfile_open(&f->lf, c->set.dir, name, c->set.max_size,
	    c->set.keep) < 0)
		collector_error(c, &f->lf, "open");
	f->open = true;
	return (&f->lf);
}

struct file *
file_get(struct collector *c, const char *wpath)
{
	unsigned h = file_hash(wpath);
	struct file *f;

	for (f = c->files[h]; f != NULL; f = f->next) {
		if (strcmp(f->wpath, wpath) == 0)
			return (f);
	}
	f = xcalloc(1, sizeof(*f));
	f->wpath = xstrdup(wpath);
	f->lf.fd = -1;
	f->next = c->files[h];
	c->files[h] = f;
	return (f);
}

/* The journal names a file by its full path. */
struct logfile *
file_by_path(struct collector *c, const char *path)
{
	size_t dl = strlen(c->set.dir), pl = strlen(path);
	char wpath[PATH_MAX];

	if (pl <= dl + 5 || strncmp(path, c->set.dir, dl) != 0 || path[dl] != '/' ||
	    strcmp(path + pl - 4, ".log") != 0)
		return (NULL);
	snprintf(wpath, sizeof(wpath), "%.*s", (int)(pl - dl - 5), path + dl + 1);
	return (file_open(c, file_get(c, wpath)));
}

/* --- supervisor connections --------------------------------------------- */

static void
conn_close(struct conn *cn)
{
	struct collector *c = cn->c;
	struct conn **pp;
	struct stream *s;

	for (s = c->streams; s != NULL; s = s->next) {
		if (s->conn == cn)
			s->conn = NULL;
	}
	for (pp = &c->conns; *pp != cn; pp = &(*pp)->next)
		;
	*pp = cn->next;
	event_free(cn->ev);
	close(cn->fd);
	xfree(cn);
}

/*
 * A well-formed PIPES message: two fds, a pid, a path that names a file
 * inside the log folder (no "..", no leading "/").
 */
static bool
conn_valid(const struct logmsg *m, const char *path, ssize_t n, int nfds)
{
	if (n <= (ssize_t)sizeof(*m) || m->type != LOGMSG_PIPES || nfds != 2 ||
	    m->pid <= 0 || path[n - (ssize_t)sizeof(*m) - 1] != '\0')
		return (false);
	return (path[0] != '\0' && path[0] != '/' && strstr(path, "..") == NULL);
}

static void
conn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *cn = arg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	struct {
		struct logmsg	m;
		char		path[LOGMSG_PATH_MAX];
	} in;
	struct iovec iov = { .iov_base = &in, .iov_len = sizeof(in) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;
	int fds[2] = { -1, -1 }, nfds = 0, k;
	ssize_t n;

	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	for (cm = CMSG_FIRSTHDR(&mh); n > 0 && cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (k = 0; (size_t)k < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); k++) {
			int f;

			memcpy(&f, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
			if (nfds < 2)
				fds[nfds] = f;
			else
				close(f);
			nfds++;
		}
	}
	/*
	 * Out of fds, the kernel drops the ones that do not fit: the message
	 * was fine, the supervisor still has the pipes and sends them again.
	 */
	if (n > 0 && (mh.msg_flags & MSG_CTRUNC) && !(mh.msg_flags & MSG_TRUNC)) {
		for (k = 0; k < 2; k++)
			if (fds[k] >= 0)
				close(fds[k]);
		if (!cn->c->short_of_fds)
			evlog("pmtree", "log collector: out of file descriptors: "
			    "pipes refused until some close");
		cn->c->short_of_fds = true;
		conn_send(cn, LOGMSG_RETRY, in.m.pid);
		return;
	}
	if (n <= 0 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    !conn_valid(&in.m, in.path, n, nfds)) {
		for (k = 0; k < 2; k++)
			if (fds[k] >= 0)
				close(fds[k]);
		if (n > 0)
			evlog("pmtree", "log collector: bad message from a supervisor: dropped it");
		conn_close(cn);
		return;
	}
	cn->c->short_of_fds = false;
	stream_add_pair(cn->c, cn, &in.m, in.path, fds);
}

/*
 * Out of fds: the connection stays pending and the socket readable, so
 * accepting again at once would spin.  It pauses instead.
 */
static void
collector_accept_failed(struct collector *c)
{
	struct timeval tv = { 0, ACCEPT_PAUSE_MS * 1000 };

	if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS &&
	    errno != ENOMEM)
		return;
	evlog("pmtree", "log collector: accept: %s; pausing %d ms",
	    strerror(errno), ACCEPT_PAUSE_MS);
	event_del(c->lisev);
	evtimer_add(c->resume, &tv);
}

static void
collector_resume(evutil_socket_t fd, short what, void *arg)
{
	struct collector *c = arg;

	if (!c->draining)
		event_add(c->lisev, NULL);
}

static void
collector_accept(evutil_socket_t fd, short what, void *arg)
{
	struct collector *c = arg;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct conn *cn;
	int s;

	for (;;) {
		if ((s = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) < 0) {
			collector_accept_failed(c);
			return;
		}
		if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
		    cr.uid != getuid()) {
			close(s);
			continue;
		}
		cn = xcalloc(1, sizeof(*cn));
		cn->c = c;
		cn->fd = s;
		cn->ev = event_new(c->base, s, EV_READ | EV_PERSIST, conn_cb, cn);
		cn->next = c->conns;
		c->conns = cn;
		event_add(cn->ev, NULL);
	}
}

/* --- life cycle --------------------------------------------------------- */

void
collector_maybe_done(struct collector *c)
{
	if (c->draining && c->streams == NULL)
		event_base_loopexit(c->base, NULL);
}

static void
collector_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct collector *c = arg;

	evlog("pmtree", "log collector: pipes still open after %d s; exiting",
	    DRAIN_SECS);
	event_base_loopexit(c->base, NULL);
}

/* No new pipes; what is open is read to its end, for DRAIN_SECS at most. */
static void
collector_drain(struct collector *c)
{
	struct timeval bound = { DRAIN_SECS, 0 };

	if (c->draining)
		return;
	c->draining = true;
	event_del(c->lisev);
	evtimer_add(c->drain_timer, &bound);
	collector_maybe_done(c);
}

/* The root is gone: the collector outlives it to take the workers down. */
static void
collector_root_gone(evutil_socket_t fd, short what, void *arg)
{
	struct collector *c = arg;
	struct stream *s;

	event_del(c->rootev);
	for (s = c->streams; s != NULL; s = s->next)
		(void)killpg(s->pid, SIGKILL);
	c->status = 1;
	collector_drain(c);
}

static void
collector_retry(evutil_socket_t fd, short what, void *arg)
{
	struct collector *c = arg;
	struct stream *s, *next;

	for (s = c->streams; s != NULL; s = next) {
		next = s->next;
		if (s->stalled)
			stream_pump(s);
	}
}

/* USR1, or new settings (HUP): every file is closed and opened anew. */
static void
collector_reopen(struct collector *c, bool settings)
{
	struct file *f;
	size_t k;

	if (settings)
		c->set = c->shm->settings;
	for (k = 0; k < FILE_BUCKETS; k++) {
		for (f = c->files[k]; f != NULL; f = f->next) {
			if (!f->open)
				continue;
			logfile_close(&f->lf);
			f->open = false;
			(void)file_open(c, f);
		}
	}
}

static void
collector_signal(evutil_socket_t fd, short what, void *arg)
{
	struct collector *c = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			collector_drain(c);
		else if (si.ssi_signo == SIGUSR1 || si.ssi_signo == SIGHUP)
			collector_reopen(c, si.ssi_signo == SIGHUP);
	}
}

static int
collector_setup(struct collector *c)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	if (pipe2(c->scratch, O_CLOEXEC) < 0 ||
	    (c->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		return (-1);
	(void)fcntl(c->scratch[0], F_SETPIPE_SZ, SCRATCH);
	c->lisev = event_new(c->base, c->lisfd, EV_READ | EV_PERSIST,
	    collector_accept, c);
	c->rootev = event_new(c->base, c->rootfd, EV_READ, collector_root_gone, c);
	c->sigev = event_new(c->base, c->sigfd, EV_READ | EV_PERSIST,
	    collector_signal, c);
	c->drain_timer = evtimer_new(c->base, collector_drain_timeout, c);
	c->retry_timer = evtimer_new(c->base, collector_retry, c);
	c->resume = evtimer_new(c->base, collector_resume, c);
	if (c->lisev == NULL || c->rootev == NULL || c->sigev == NULL ||
	    c->drain_timer == NULL || c->retry_timer == NULL || c->resume == NULL)
		return (-1);
	event_add(c->lisev, NULL);
	event_add(c->rootev, NULL);
	event_add(c->sigev, NULL);
	sigprocmask(SIG_SETMASK, &set, NULL);
	return (0);
}

static void
collector_free(struct collector *c)
{
	size_t k;

	while (c->streams != NULL) {
		struct stream *s = c->streams;

		c->streams = s->next;
		stream_free(s);
	}
	while (c->conns != NULL)
		conn_close(c->conns);
	for (k = 0; k < FILE_BUCKETS; k++) {
		struct file *f;

		while ((f = c->files[k]) != NULL) {
			c->files[k] = f->next;
			if (f->open)
				logfile_close(&f->lf);
			xfree(f->wpath);
			xfree(f);
		}
	}
	if (c->lisev != NULL)
		event_free(c->lisev);
	if (c->rootev != NULL)
		event_free(c->rootev);
	if (c->sigev != NULL)
		event_free(c->sigev);
	if (c->drain_timer != NULL)
		event_free(c->drain_timer);
	if (c->retry_timer != NULL)
		event_free(c->retry_timer);
	if (c->resume != NULL)
		event_free(c->resume);
	xfree(c->rbuf);
	xfree(c->cbuf);
	xfree(c->recs);
	obuf_free(&c->out);
	obuf_free(&c->echo);
}

int
collector_main(int lisfd, int rootfd, struct logshm *shm)
{
	struct collector c = { .shm = shm, .set = shm->settings, .lisfd = lisfd,
	    .rootfd = rootfd, .tty = isatty(STDOUT_FILENO),
	    .scratch = { -1, -1 }, .sigfd = -1 };
	int rc = 1;

	c.rbuf = xmalloc(SCRATCH + FRAME_MAX);	/* a carry, then a pipe's worth */
	c.cbuf = xmalloc(SCRATCH);
	c.recs = xcalloc(MAX_RECS, sizeof(*c.recs));
	if ((c.base = event_base_new()) == NULL || collector_setup(&c) < 0) {
		evlog("pmtree", "log collector: setting up: %s", strerror(errno));
		goto out;
	}
	journal_settle_file(&c);
	carry_setup(&c);
	event_base_dispatch(c.base);
	rc = c.status;
out:
	collector_free(&c);
	if (c.base != NULL)
		event_base_free(c.base);
	if (c.sigfd >= 0)
		close(c.sigfd);
	if (c.scratch[0] >= 0) {
		close(c.scratch[0]);
		close(c.scratch[1]);
	}
	return (rc);
}
