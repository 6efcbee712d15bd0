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
#include <sys/uio.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "config.h"
#include "evlog.h"
#include "format.h"
#include "frame.h"
#include "logfile.h"
#include "logproto.h"
#include "xmalloc.h"

_Static_assert(FRAME_MAX <= LOGCARRY_MAX, "a carry is less than a record");

#define SCRATCH		(64 * 1024)	/* a pipe's default size */
#define MAX_RECS	4096
#define PUMP_ROUNDS	16		/* per wake-up, then the others' turn */
#define DRAIN_SECS	2
#define RETRY_SECS	1
#define ACCEPT_PAUSE_MS	100

struct conn;

/* A worker's log file, shared by its instances and both its streams. */
struct file {
	char		*wpath;		/* the worker's path: api/web */
	struct logfile	 lf;
	bool		 open;
	struct file	*next;		/* in its hash bucket */
};

struct stream {
	struct collector	*c;
	struct conn		*conn;
	struct file		*file;
	pid_t			 pid;
	int			 which;		/* 0 out, 1 err */
	int			 fd;
	struct event		*ev;
	struct logmsg		 how;		/* the worker's own log settings */
	int			 color;
	bool			 stalled;	/* its file cannot be written */
	char			*carry;		/* a line's start, read ahead */
	size_t			 carry_len;
	struct logcarry		*slot;		/* where CARRY is, if shared */
	char			*name;		/* path, or path:instance */
	struct stream		*twin;		/* the worker's other stream, open */
	struct stream		*prev;
	struct stream		*next;
};

struct conn {
	struct collector	*c;
	int			 fd;
	struct event		*ev;
	struct conn		*next;
};

#define FILE_BUCKETS 4096

struct collector {
	struct event_base	*base;
	struct logshm		*shm;
	struct logsettings	 set;		/* the copy in use */
	bool			 tty;
	int			 lisfd;
	struct event		*lisev;
	int			 rootfd;
	struct event		*rootev;
	int			 sigfd;
	struct event		*sigev;
	struct conn		*conns;
	struct stream		*streams;
	struct file		*files[FILE_BUCKETS];
	int			 scratch[2];
	char			*rbuf;
	char			*cbuf;		/* bytes consumed into a carry */
	struct frame_rec	*recs;
	struct obuf		 out;
	struct obuf		 echo;
	bool			 draining;
	struct event		*drain_timer;
	struct event		*retry_timer;
	struct event		*resume;	/* accepting again after EMFILE */
	bool			 short_of_fds;	/* said once per episode */
	bool			 short_of_carries;
	uint8_t			 no_mark;	/* where an unjournaled read marks */
	int			 cfree[LOGSHM_CARRIES];	/* last freed on top */
	int			 ncfree;
	int			 stale[LOGSHM_CARRIES];	/* a dead one's, not taken back */
	int			 nstale;
	int			 status;
};

static void	stream_pump(struct stream *);
static size_t	stream_consume(struct stream *, size_t, size_t, uint8_t *,
		    const char *);
static void	carry_empty(struct stream *);
static void	carry_commit(struct stream *, size_t);

/* --- files -------------------------------------------------------------- */

static void
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
static void
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

static uint32_t
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
static struct logfile *
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

static struct file *
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
static struct logfile *
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

/* --- the journal, the carries ------------------------------------------- */

/* Keeps the compiler from moving the stores to shared memory past a read. */
#define SHM_BARRIER()	__atomic_signal_fence(__ATOMIC_SEQ_CST)

/*
 * Consumes LEN bytes of the pipe, the last one into *MARK, then TAIL more
 * into TO, in one readv(2) (see stream_consume).  Returns the bytes read.
 */
static size_t
pipe_take(struct collector *c, int fd, size_t len, uint8_t *mark, char *to,
    size_t tail)
{
	struct iovec iov[3], *v = iov;
	size_t got = 0, want = len + tail;
	int n = 0;
	ssize_t r;

	if (len > 1)
		iov[n++] = (struct iovec){ c->cbuf, len - 1 };
	if (len > 0)
		iov[n++] = (struct iovec){ mark, 1 };
	if (tail > 0)
		iov[n++] = (struct iovec){ to, tail };
	while (got < want && n > 0) {
		r = readv(fd, v, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		for (; n > 0 && (size_t)r >= v->iov_len; v++, n--)
			r -= (ssize_t)v->iov_len;
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + r;
			v->iov_len -= (size_t)r;
		}
	}
	return (got);
}

/*
 * A collector died during a write.  Its bytes are in the file whole, or
 * not at all once a write cut short is truncated back; if whole, their
 * pipe bytes may still be unconsumed: that is settled when the pipe comes
 * back, from a slot of its own (the next write reuses the journal).
 */
static void
journal_settle_file(struct collector *c)
{
	struct logjournal *j = &c->shm->journal;
	struct logfile *lf;
	size_t k;

	if (!j->busy)
		return;
	j->path[sizeof(j->path) - 1] = '\0';
	lf = file_by_path(c, j->path);
	if (lf == NULL || lf->fd < 0 || lf->size < j->pre_size + j->out_len) {
		if (lf != NULL && lf->fd >= 0 && lf->size > j->pre_size &&
		    ftruncate(lf->fd, (off_t)j->pre_size) == 0)
			lf->size = j->pre_size;
		j->busy = 0;
		return;
	}
	for (k = 0; k < LOGSHM_PENDING && c->shm->pending[k].busy; k++)
		;
	if (k < LOGSHM_PENDING)	/* else the oldest unsettled stay unsettled */
		c->shm->pending[k] = *j;
	j->busy = 0;
}

/* The carries a dead collector held: free ones to take, its own to find. */
static void
carry_setup(struct collector *c)
{
	int k;

	c->shm->life++;
	for (k = LOGSHM_CARRIES - 1; k >= 0; k--) {
		if (c->shm->carry[k].pid == 0)
			c->cfree[c->ncfree++] = k;
		else
			c->stale[c->nstale++] = k;
	}
}

static int
carry_index(const struct collector *c, const struct logcarry *k)
{
	return ((int)(k - c->shm->carry));
}

static void
carry_release(struct collector *c, struct stream *s)
{
	if (s->slot == NULL)
		return;
	s->slot->pid = 0;
	c->cfree[c->ncfree++] = carry_index(c, s->slot);
	s->slot = NULL;
	s->carry = NULL;
}

/*
 * A shared slot for S's carry, or NULL: none free, not even one a dead
 * collector left that no stream took back (its line's start is lost).
 */
static struct logcarry *
carry_slot(struct collector *c, struct stream *s)
{
	struct logcarry *k;
	int i;

	if (c->ncfree == 0 && c->nstale > 0) {
		i = c->stale[--c->nstale];
		c->shm->carry[i].pid = 0;
		c->cfree[c->ncfree++] = i;
	}
	if (c->ncfree == 0) {
		if (!c->short_of_carries)
			evlog("pmtree", "log collector: more than %d lines cut "
			    "short at once: a start beyond them is lost if the "
			    "collector dies", LOGSHM_CARRIES);
		c->short_of_carries = true;
		return (NULL);
	}
	c->short_of_carries = false;
	k = &c->shm->carry[c->cfree[--c->ncfree]];
	k->stream = (uint32_t)s->which;
	k->name = name_hash(s->file->wpath);
	k->life = c->shm->life;
	k->len = 0;
	k->pend = 0;
	SHM_BARRIER();
	k->pid = s->pid;
	return (k);
}

/* Takes back the carry a dead collector held for S, if any. */
static void
carry_adopt(struct collector *c, struct stream *s)
{
	uint32_t name = name_hash(s->file->wpath);
	struct logcarry *k = NULL;
	char *buf;
	int i;

	for (i = 0; i < c->nstale; i++) {
		k = &c->shm->carry[c->stale[i]];
		if (k->pid == s->pid && k->stream == (uint32_t)s->which &&
		    k->name == name)
			break;
	}
	if (i == c->nstale)
		return;
	buf = c->shm->carry_buf[c->stale[i]];
	c->stale[i] = c->stale[--c->nstale];
	if (k->len >= LOGCARRY_MAX || k->at >= LOGCARRY_MAX ||
	    k->pend >= LOGCARRY_MAX - k->at)
		k->len = k->pend = 0;	/* not ours to trust */
	if (k->pend > 0 && (uint8_t)buf[k->at] == k->first)
		k->len = k->at + k->pend;
	k->pend = 0;
	k->life = c->shm->life;
	s->slot = k;
	s->carry = buf;
	s->carry_len = k->len;
}

/*
 * What a dead collector left for S's pipe: its carry, then its writes
 * whose bytes it may not have consumed.  A write in the file took the carry
 * with it; if its read was not done, the bytes are consumed now, the same
 * way, so that another death here is settled alike.
 */
static void
stream_settle(struct collector *c, struct stream *s)
{
	struct logjournal *p;
	size_t k;

	carry_adopt(c, s);
	for (k = 0; k < LOGSHM_PENDING; k++) {
		p = &c->shm->pending[k];
		if (!p->busy || p->pid != s->pid || p->stream != (uint32_t)s->which)
			continue;
		if (p->read != p->last && p->consume_len > 0 &&
		    p->consume_len <= SCRATCH) {
			if (s->slot != NULL)
				s->slot->len = 0;
			s->carry_len = 0;
			SHM_BARRIER();
			(void)pipe_take(c, s->fd, p->consume_len, &p->read, NULL, 0);
		}
		p->busy = 0;
	}
	if (s->carry_len == 0)
		carry_release(c, s);
}

/* --- streams ------------------------------------------------------------ */

static void	collector_maybe_done(struct collector *);

static void
conn_send(struct conn *cn, uint32_t type, pid_t pid)
{
	struct logmsg m = { .type = type, .pid = pid };

	if (cn != NULL)
		(void)send(cn->fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void
stream_free(struct stream *s)
{
	event_free(s->ev);
	close(s->fd);
	if (s->slot == NULL)
		xfree(s->carry);
	xfree(s->name);
	xfree(s);
}

static void
stream_close(struct stream *s)
{
	struct collector *c = s->c;

	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		c->streams = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	if (s->twin != NULL)
		s->twin->twin = NULL;
	else
		conn_send(s->conn, LOGMSG_DRAINED, s->pid);
	carry_release(c, s);
	stream_free(s);
	collector_maybe_done(c);
}

/* The writer is gone: a tail without a newline is a record too. */
static bool
stream_hung_up(const struct stream *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };

	return (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP));
}

/* The echo's form: the worker's own settings first, then the tree's. */
static enum cfg_echo
stream_echo(const struct stream *s)
{
	if (s->how.log_off)
		return (CFG_ECHO_OFF);
	if (s->how.log_stdout != CFG_INHERIT)
		return ((enum cfg_echo)s->how.log_stdout);
	return ((enum cfg_echo)s->c->set.to_stdout);
}

/* A record for pmtree's stdout, in the form log.stdout says. */
static void
stream_echo_add(struct stream *s, enum cfg_echo how, const char *stamp,
    const char *stream, const char *line, size_t len)
{
	struct obuf *b = &s->c->echo;

	switch (how) {
	case CFG_ECHO_OFF:
		break;
	case CFG_ECHO_ON:
		format_echo(b, s->name, s->color, line, len);
		break;
	case CFG_ECHO_RAW:
		obuf_add(b, line, len);
		obuf_add(b, "\n", 1);
		break;
	case CFG_ECHO_JSON:
		format_json(b, stamp, s->name, stream, line, len);
		break;
	}
}

static bool
stream_to_file(const struct stream *s)
{
	return (!s->how.log_off && s->how.log_file != CFG_OFF);
}

/*
 * Formats records into the batch, as far as the file takes them before it
 * must rotate.  Returns how many bytes of the pipe the batch covers.
 */
static size_t
stream_batch(struct stream *s, struct logfile *lf, size_t nrec, size_t used)
{
	struct collector *c = s->c;
	const char *stream = s->which ? "err" : "out";
	enum cfg_echo echo = stream_echo(s);
	char stamp[FORMAT_STAMP_LEN + 1];
	struct timespec ts;
	size_t k, before, take = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	format_stamp(stamp, &ts);
	c->out.len = c->echo.len = 0;
	for (k = 0; k < nrec; k++) {
		const char *line = c->rbuf + c->recs[k].off;
		size_t len = c->recs[k].len;

		if (lf != NULL) {
			before = c->out.len;
			if (c->set.json)
				format_json(&c->out, stamp, s->name, stream, line, len);
			else
				format_text(&c->out, stamp, s->name, stream, line, len);
			/* Only a batch's first record may go past max_size. */
			if (before > 0 && lf->max_size > 0 &&
			    lf->size + c->out.len > lf->max_size) {
				c->out.len = before;
				break;
			}
		}
		stream_echo_add(s, echo, stamp, stream, line, len);
		take = k + 1 < nrec ? c->recs[k + 1].off : used;
	}
	return (take);
}

static void
collector_echo(struct collector *c)
{
	const char *p = c->echo.p;
	size_t len = c->echo.len;
	ssize_t n;

	while (len > 0) {
		n = write(STDOUT_FILENO, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* nobody reads pmtree's stdout: the files still have it */
		p += n;
		len -= (size_t)n;
	}
}

/*
 * Writes the batch, then consumes its bytes (TAKE, less the SKIP that came
 * from the carry, not the pipe), and TAIL more into the carry.  -1: the file
 * failed.
 */
static int
stream_commit(struct stream *s, struct logfile *lf, size_t take, size_t skip,
    size_t tail, size_t nrec)
{
	struct collector *c = s->c;
	struct logjournal *j = &c->shm->journal;
	uint8_t *mark = &c->no_mark;
	size_t k, got;

	if (lf != NULL && c->out.len > 0) {
		if (logfile_make_room(lf, c->out.len) < 0) {
			collector_error(c, lf, "rotate");
			return (-1);
		}
		j->pid = s->pid;
		j->stream = (uint32_t)s->which;
		j->pre_size = lf->size;
		j->out_len = c->out.len;
		j->consume_len = take - skip;
		j->last = take > skip ? (uint8_t)c->rbuf[take - 1] : 0;
		j->read = (uint8_t)~j->last;
		snprintf(j->path, sizeof(j->path), "%s", lf->path);
		SHM_BARRIER();
		j->busy = 1;
		SHM_BARRIER();
		if (logfile_write(lf, c->out.p, c->out.len) < 0) {
			j->busy = 0;
			collector_error(c, lf, "write");
			return (-1);
		}
		if (lf->failing) {
			lf->failing = false;
			evlog("pmtree", "log collector: writing %s again", lf->path);
			collector_recovered(c);
		}
		mark = &j->read;
	}
	collector_echo(c);
	carry_empty(s);		/* it was the batch's start */
	got = stream_consume(s, take - skip, tail, mark, c->rbuf + take);
	SHM_BARRIER();
	j->busy = 0;
	carry_commit(s, got);
	for (k = 0; k < nrec; k++) {
		c->shm->lines++;
		c->shm->bytes += c->recs[k].len;
	}
	return (0);
}

/*
 * Consumes LEN bytes, marking MARK, and then a line's start (TAIL bytes,
 * no newline yet, the first as at WANT), which goes to the carry (at most
 * 16 KiB), in one read: the pipe is left empty at once.  A writer blocked
 * in one big write(2) is woken when there is room, but the kernel wakes the
 * pipe's readers on its resumptions only if the pipe was empty then; two
 * reads would let it resume in between.  Returns the bytes the carry got,
 * to be committed by carry_commit().
 */
static size_t
stream_consume(struct stream *s, size_t len, size_t tail, uint8_t *mark,
    const char *want)
{
	struct collector *c = s->c;
	struct logcarry *k;
	char *to;
	size_t got;

	if (tail > 0 && s->slot == NULL && s->carry_len == 0 &&
	    (k = carry_slot(c, s)) != NULL) {
		xfree(s->carry);
		s->slot = k;
		s->carry = c->shm->carry_buf[carry_index(c, k)];
	}
	if (tail > 0 && s->carry == NULL)
		s->carry = xmalloc(FRAME_MAX);
	to = s->carry + s->carry_len;
	if (tail > 0 && s->slot != NULL) {
		s->slot->at = (uint32_t)s->carry_len;
		s->slot->first = (uint8_t)*want;
		to[0] = (char)~*want;
		SHM_BARRIER();
		s->slot->pend = (uint32_t)tail;
		SHM_BARRIER();
	}
	got = pipe_take(c, s->fd, len, mark, to, tail);
	return (got > len ? got - len : 0);
}

/* The carry's start was written: it is empty. */
static void
carry_empty(struct stream *s)
{
	s->carry_len = 0;
	if (s->slot != NULL)
		s->slot->len = 0;
}

/* The read stream_consume() made is done: GOT more bytes are the carry's. */
static void
carry_commit(struct stream *s, size_t got)
{
	s->carry_len += got;
	if (s->slot != NULL) {
		s->slot->len = (uint32_t)s->carry_len;
		SHM_BARRIER();
		s->slot->pend = 0;
	}
	if (s->carry_len == 0)
		carry_release(s->c, s);
}

/* Peeks the pipe after what the carry holds: CARRY + pipe in c->rbuf. */
static ssize_t
stream_peek(struct stream *s)
{
	struct collector *c = s->c;
	ssize_t n, r, m;

	n = tee(s->fd, c->scratch[1], SCRATCH, SPLICE_F_NONBLOCK);
	if (n <= 0)
		return (n);
	if (s->carry_len > 0)
		memcpy(c->rbuf, s->carry, s->carry_len);
	for (r = 0; r < n; r += m) {
		m = read(c->scratch[0], c->rbuf + s->carry_len + r, (size_t)(n - r));
		if (m <= 0)
			return (-1);
	}
	return (n);
}

/* One round: peek, cut, write, consume.  1: go on; 0: wait; -1: closed. */
static int
stream_round(struct stream *s)
{
	struct collector *c = s->c;
	struct logfile *lf = NULL;
	size_t nrec, used, take, total, tail, skip = s->carry_len, k;
	bool eof;
	ssize_t n;

	n = stream_peek(s);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return (0);
	eof = n <= 0;
	if (n < 0)
		n = 0;
	if (eof && skip == 0) {
		stream_close(s);
		return (-1);
	}
	if (eof)	/* what the carry holds is the pipe's last line */
		memcpy(c->rbuf, s->carry, skip);
	total = skip + (size_t)n;
	nrec = frame_cut(c->rbuf, total, eof, c->recs, MAX_RECS, &used);
	if (used < total && nrec < MAX_RECS && !eof && stream_hung_up(s))
		nrec = frame_cut(c->rbuf, total, true, c->recs, MAX_RECS, &used);
	if (nrec == 0) {	/* a line's start only: into the carry */
		carry_commit(s, stream_consume(s, 0, (size_t)n, &c->no_mark,
		    c->rbuf + skip));
		return (0);
	}
	if (stream_to_file(s))
		lf = file_open(c, s->file);
	take = stream_batch(s, lf, nrec, used);
	for (k = 0; k < nrec && c->recs[k].off < take; k++)
		;
	/* What stays is a line's start, unless more records wait (cut short). */
	tail = !eof && take == used && nrec < MAX_RECS ? total - take : 0;
	if (stream_commit(s, lf, take, skip, tail, k) < 0) {
		struct timeval retry = { RETRY_SECS, 0 };

		s->stalled = true;
		evtimer_add(c->retry_timer, &retry);
		return (0);
	}
	s->stalled = false;
	/* More to read (or the next round closes it); a carry waits for a write. */
	return (tail == 0);
}

static void
stream_pump(struct stream *s)
{
	int k, r = 1;

	for (k = 0; k < PUMP_ROUNDS && r == 1; k++)
		r = stream_round(s);
	if (r == 1)
		event_active(s->ev, EV_READ, 0);
}

static void
stream_cb(evutil_socket_t fd, short what, void *arg)
{
	stream_pump(arg);
}

static struct stream *
stream_new(struct collector *c, struct conn *cn, const struct logmsg *m,
    const char *wpath, int fd, int which)
{
	struct stream *s = xcalloc(1, sizeof(*s));

	s->c = c;
	s->conn = cn;
	s->file = file_get(c, wpath);
	s->pid = m->pid;
	s->which = which;
	s->fd = fd;
	s->how = *m;
	s->name = config_instance_name_dup(wpath, m->instance, m->multi);
	s->color = c->tty ? format_color(s->name) : 0;
	if (stream_to_file(s))	/* there from the start, for `logs -f` */
		(void)file_open(c, s->file);
	s->ev = event_new(c->base, fd, EV_READ | EV_ET | EV_PERSIST, stream_cb, s);
	s->next = c->streams;
	if (s->next != NULL)
		s->next->prev = s;
	c->streams = s;
	return (s);
}

/*
 * Both streams exist before either is read: the worker is drained when the
 * second one closes, and a worker that is already gone closes the first at
 * once.
 */
static void
stream_add_pair(struct collector *c, struct conn *cn, const struct logmsg *m,
    const char *wpath, const int fds[2])
{
	struct stream *s[2];
	int k;

	for (k = 0; k < 2; k++)
		s[k] = stream_new(c, cn, m, wpath, fds[k], k);
	s[0]->twin = s[1];
	s[1]->twin = s[0];
	for (k = 0; k < 2; k++) {
		stream_settle(c, s[k]);
		event_add(s[k]->ev, NULL);
	}
	for (k = 0; k < 2; k++)
		stream_pump(s[k]);
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

static void
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
