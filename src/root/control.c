#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clients.h"
#include "control.h"
#include "evlog.h"
#include "fsutil.h"
#include "ipc.h"
#include "listener.h"
#include "xmalloc.h"

struct control_conn {
	struct control		*ctl;
	struct bufferevent	*bev;
	struct event		*resume;	/* reads the next request */
	struct control_conn	*next;
	struct control_conn	*prev;
	int			 busy;	/* a request is being answered */
	int			 eof;	/* the client sends no more */
	int			 closing;	/* close once the reply is out */
	int			 draining;	/* reads on once the reply is out */
};

#define CONTROL_PRIORITY 2	/* after supervision (see root.c) */
/* Replies not yet read by their clients, all connections together. */
#define CONTROL_OUT_TOTAL (64 * 1024 * 1024)

struct control {
	struct event_base	*base;
	struct listener		*lis;
	char			*path;
	control_fn		*fn;
	void			*arg;
	struct control_conn	*conns;
};

static void	conn_read_cb(struct bufferevent *, void *);

static void
conn_free(struct control_conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->ctl->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	event_free(c->resume);
	xfree(c);
	clients_leave(CLIENT_CONTROL);
}

/* The reply is out: close, or read the next request. */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn *c = arg;

	if (c->closing)
		conn_free(c);
	else if (c->draining) {
		c->draining = 0;
		event_active(c->resume, 0, 0);
	}
}

/* Closes once what was written is out. */
static void
conn_finish(struct control_conn *c)
{
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c);
}

/*
 * EOF: the client has said all it will say (`printf ... | socat`); what it
 * sent is still answered, in order, before the connection closes.  An
 * error: nobody is there to read the answers.
 */
static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_conn *c = arg;

	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		c->eof = 1;
		bufferevent_disable(bev, EV_READ);
		if (!c->busy)
			conn_read_cb(bev, c);
		return;
	}
	if (c->busy) {
		c->closing = 1;
		bufferevent_disable(bev, EV_READ);
		return;
	}
	conn_free(c);
}

static void
conn_drop(struct control_conn *c, const char *why)
{
	static const char msg[] = "{\"ok\":false,\"error\":\"bad request\",\"exit\":2}\n";

	(void)why;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_write(c->bev, msg, sizeof(msg) - 1);
	c->closing = 1;
}

json_t *
control_parse(const char *line, size_t len)
{
	json_error_t err;
	json_t *req, *v;
	const char *key;

	if (len > CONTROL_MAX_LINE)
		return (NULL);
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	if (req == NULL || !json_is_object(req) ||
	    !json_is_string(json_object_get(req, "cmd")))
		goto bad;
	/* Every member a request may have, each of its type. */
	json_object_foreach(req, key, v) {
		if (strcmp(key, "cmd") == 0 || strcmp(key, "target") == 0 ||
		    strcmp(key, "signal") == 0) {
			if (!json_is_string(v))
				goto bad;
		} else if (strcmp(key, "group") == 0) {
			if (!json_is_boolean(v))
				goto bad;
		} else if (strcmp(key, "count") == 0) {
			if (!json_is_integer(v))
				goto bad;
		}
	}
	return (req);
bad:
	json_decref(req);
	return (NULL);
}

static void
conn_handle_line(struct control_conn *c, const char *line, size_t len)
{
	json_t *req;

	if ((req = control_parse(line, len)) == NULL) {
		conn_drop(c, "not a request");
		return;
	}
	c->busy = 1;
	c->ctl->fn(c, req, c->ctl->arg);
	json_decref(req);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	while (!c->busy && !c->closing && !c->draining) {
		line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
		if (line == NULL) {
			if (evbuffer_get_length(in) > CONTROL_MAX_LINE)
				conn_drop(c, "request too long");
			else if (c->eof)
				conn_finish(c);
			return;
		}
		if (len > CONTROL_MAX_LINE)
			conn_drop(c, "request too long");
		else if (len > 0)
			conn_handle_line(c, line, len);
		xfree(line);
	}
}

static void
conn_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control_conn *c = arg;

	(void)fd;
	(void)what;
	conn_read_cb(c->bev, c);
}

void
control_reply(struct control_conn *c, json_t *reply)
{
	char *s = json_dumps(reply, JSON_COMPACT);

	json_decref(reply);
	control_reply_text(c, s != NULL ? s : "{\"ok\":false}",
	    s != NULL ? strlen(s) : 12);
	xfree(s);
}

/* What every client has not read yet. */
static size_t
control_unsent(const struct control *ctl)
{
	const struct control_conn *c;
	size_t n = 0;

	for (c = ctl->conns; c != NULL; c = c->next)
		n += evbuffer_get_length(bufferevent_get_output(c->bev));
	return (n);
}

/*
 * A client that sends requests and reads no reply holds one reply at most:
 * the next request is read once the last reply is out.
 */
void
control_reply_text(struct control_conn *c, const char *text, size_t len)
{
	static const char busy[] = "{\"ok\":false,\"error\":\"the tree's "
	    "clients have too many replies unread: try again\",\"exit\":1}";

	if (control_unsent(c->ctl) + len > CONTROL_OUT_TOTAL) {
		text = busy;
		len = sizeof(busy) - 1;
	}
	bufferevent_write(c->bev, text, len);
	bufferevent_write(c->bev, "\n", 1);
	c->busy = 0;
	if (c->closing) {
		conn_finish(c);
		return;
	}
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
		c->draining = 1;
		return;
	}
	/*
	 * The next request waits for the loop: answered from inside another
	 * command's work, it must not start more work there.
	 */
	event_active(c->resume, 0, 0);
}

/*
 * Makes S valid UTF-8 in place: a sequence cut short (by the end of the
 * buffer) or invalid becomes '?', so that the error still goes out.
 */
static void
control_utf8(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n, k;

	while (*p != '\0') {
		n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 && *p >= 0xc2 ? 2 :
		    (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 && *p <= 0xf4 ?
		    4 : 0;
		for (k = 1; k < n && (p[k] & 0xc0) == 0x80; k++)
			;
		if (n == 0 || k < n) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

void
control_error(struct control_conn *c, int exitcode, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	control_utf8(buf);
	control_reply(c, json_pack("{sbsssi}", "ok", 0, "error", buf, "exit",
	    exitcode));
}

/* Only our own uid and root; anyone else is closed on at once. */
static int
control_peer_ok(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return (0);
	return (cr.uid == 0 || cr.uid == getuid());
}

/* Said in one try, before the connection closes. */
static void
control_refuse(int fd, const char *why)
{
	char line[256];
	int n;

	n = snprintf(line, sizeof(line), "{\"ok\":false,\"error\":\"%s\","
	    "\"exit\":1}\n", why);
	(void)send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void
control_add(struct control *ctl, int fd)
{
	struct control_conn *c;
	struct timeval idle = { CONTROL_IDLE_SECS, 0 };

	c = xcalloc(1, sizeof(*c));
	c->ctl = ctl;
	c->resume = event_new(ctl->base, -1, 0, conn_resume_cb, c);
	c->bev = bufferevent_socket_new(ctl->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL || c->resume == NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->resume != NULL)
			event_free(c->resume);
		xfree(c);
		clients_leave(CLIENT_CONTROL);
		return;
	}
	event_priority_set(c->resume, CONTROL_PRIORITY);
	bufferevent_priority_set(c->bev, CONTROL_PRIORITY);
	c->next = ctl->conns;
	if (ctl->conns != NULL)
		ctl->conns->prev = c;
	ctl->conns = c;
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	/* Not read while a reply waits: what the client sends stays its own. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, 2 * CONTROL_MAX_LINE + 2);
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* Over the cap, the newest client is the one turned away. */
static void
control_accept(int fd, void *arg)
{
	struct control *ctl = arg;
	char why[128];

	if (!control_peer_ok(fd)) {
		snprintf(why, sizeof(why), "permission denied: only uid %d "
		    "and root may use this tree", (int)getuid());
		control_refuse(fd, why);
	} else if (!clients_admit(CLIENT_CONTROL))
		control_refuse(fd, "too many connections: try again");
	else
		control_add(ctl, fd);
}

static int
control_bind(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return (-1);
	/* The caller holds the tree's lock: whatever is there is stale. */
	(void)unlink(path);
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || listen(fd, 128) < 0) {
		rc = errno;
		close(fd);
		errno = rc;
		return (-1);
	}
	return (fd);
}

struct control *
control_open(struct event_base *base, const char *path, control_fn *fn,
    void *arg)
{
	struct control *ctl;
	int fd;

	if ((fd = control_bind(path)) < 0)
		return (NULL);
	ctl = xcalloc(1, sizeof(*ctl));
	ctl->base = base;
	ctl->fn = fn;
	ctl->arg = arg;
	ctl->path = xstrdup(path);
	ctl->lis = listener_new(base, fd, "control socket", CONTROL_PRIORITY,
	    control_accept, ctl);
	if (ctl->lis == NULL) {
		close(fd);
		control_close(ctl);
		return (NULL);
	}
	return (ctl);
}

/* The loop will not run again: the replies go out now. */
void
control_flush(struct control *ctl)
{
	struct control_conn *c;

	for (c = ctl->conns; c != NULL; c = c->next)
		ipc_flush_bev(c->bev);
}

void
control_close(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->conns != NULL)
		conn_free(ctl->conns);
	listener_free(ctl->lis);
	(void)unlink(ctl->path);
	xfree(ctl->path);
	xfree(ctl);
}
