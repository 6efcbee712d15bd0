/*
 * The streams: a worker's pipe read, cut into records, written to its
 * file and echoed, then consumed; and what makes that survive a kill of
 * the collector: the journal of the write under way and the carries of
 * lines read ahead, in the root's shared memory (logproto.h).
 */
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "colint.h"
#include "evlog.h"
#include "xmalloc.h"

static size_t	stream_consume(struct stream *, size_t, size_t, uint8_t *,
		    const char *);
static void	carry_empty(struct stream *);
static void	carry_commit(struct stream *, size_t);

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
void
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
void
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

void
conn_send(struct conn *cn, uint32_t type, pid_t pid)
{
	struct logmsg m = { .type = type, .pid = pid };

	if (cn != NULL)
		(void)send(cn->fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL);
}

void
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

void
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
void
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
