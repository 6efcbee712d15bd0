/*
 * A small HTTP/1.1 server of its own rather than evhttp: evhttp restarts
 * its timeout at every byte, so a client sending one a second was never
 * cut off, and it has no limit on connections.  Here a request has one
 * deadline from its first byte's chance, whatever it sends; at most
 * clients_cap(CLIENT_HTTP) connections are open, and the newest is turned
 * away; every connection is closed after its answer.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/event.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clients.h"
#include "evlog.h"
#include "format.h"
#include "http.h"
#include "listener.h"
#include "machine.h"
#include "notify.h"
#include "status.h"
#include "supervisor.h"
#include "target.h"
#include "xmalloc.h"

#define HTTP_DEADLINE_S		5	/* for the whole request, trickle or not */
#define HTTP_SEND_S		10	/* then for the whole answer */
#define HTTP_MAX_HEAD		8192
#define HTTP_MAX_TARGETS	4096
#define HTTP_PRIORITY		2	/* after supervision (see supervisor.c) */

struct hconn {
	struct http	*h;
	int		 fd;
	struct event	*ev;
	struct event	*deadline;
	char		 in[HTTP_MAX_HEAD];
	size_t		 inlen;
	bool		 head;		/* HEAD: no body */
	struct obuf	 out;
	size_t		 sent;
	struct hconn	*prev;
	struct hconn	*next;
};

struct http {
	struct event_base	*base;
	struct listener		*lis;
	struct hconn		*conns;
	struct http_view	 view;
};

/* --- readiness ---------------------------------------------------------- */

/* Not ready: it should run (not stopped, not finished) and is not ready. */
static bool
http_not_ready(const struct msg_node_state *st)
{
	if (st->state == SLOT_STOPPED || st->state == SLOT_EXITED)
		return (false);
	return (!(st->state == SLOT_RUNNING && st->ready));
}

/* Appends to LIST the worker instances below T that are not ready. */
static void
http_unready(struct http *h, const struct target *t, json_t *list)
{
	struct nodetab *tab = h->view.table(h->view.arg);
	const struct cfg_tree *tree = h->view.tree(h->view.arg);
	unsigned id, last = nodetab_last(t->node), k, n;
	char path[4200];

	for (id = t->node->id; id <= last; id++) {
		if (tree->nodes[id]->kind != CFG_WORKER)
			continue;
		n = nodetab_count(tab, id);
		for (k = 0; k < n; k++) {
			if (t->instance >= 0 && (unsigned)t->instance != k)
				continue;
			if (!http_not_ready(nodetab_get(tab, id, k)))
				continue;
			(void)config_instance_name(path, sizeof(path),
			    tree->nodes[id]->path, k, n > 1);
			json_array_append_new(list, json_string(path));
		}
	}
}

static void	hconn_send(struct hconn *);

/* The answer, whole; then the connection is only written to. */
static void
http_send(struct hconn *c, int code, const char *reason, const char *type,
    const char *body, size_t len)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\nCache-Control: no-store\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n%s\r\n", code,
	    reason, type, len, code == 405 ? "Allow: GET, HEAD\r\n" : "");
	obuf_add(&c->out, head, (size_t)n);
	if (!c->head)
		obuf_add(&c->out, body, len);
	hconn_send(c);
}

static void
http_json(struct hconn *c, int code, const char *reason, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	http_send(c, code, reason, "application/json", s != NULL ? s : "{}",
	    s != NULL ? strlen(s) : 2);
	xfree(s);
}

/* /readyz and /readyz/<path>: 200, or 503 with the paths not ready. */
static void
http_readyz(struct http *h, struct hconn *req, const char *spec)
{
	const struct cfg_tree *tree = h->view.tree(h->view.arg);
	struct target *tg = xcalloc(HTTP_MAX_TARGETS, sizeof(*tg));
	json_t *list = json_array();
	size_t n, k;

	n = target_resolve(tree, spec, tg, HTTP_MAX_TARGETS);
	for (k = 0; k < n && k < HTTP_MAX_TARGETS; k++) {
		if (tg[k].instance >= 0 && nodetab_get(h->view.table(h->view.arg),
		    tg[k].node->id, (unsigned)tg[k].instance) == NULL)
			n = 0;
	}
	if (n == 0 || n > HTTP_MAX_TARGETS) {
		xfree(tg);
		json_decref(list);
		http_json(req, 404, "Not Found", json_pack("{ss}", "error",
		    "no such child"));
		return;
	}
	for (k = 0; k < n; k++)
		http_unready(h, &tg[k], list);
	xfree(tg);
	if (json_array_size(list) == 0) {
		json_decref(list);
		http_json(req, 200, "OK", json_pack("{sb}", "ready", 1));
	} else
		http_json(req, 503, "Service Unavailable",
		    json_pack("{sbso}", "ready", 0, "not_ready", list));
}

/* --- /metrics ----------------------------------------------------------- */

struct family {
	const char	*name;
	const char	*type;
	const char	*help;
};

static const struct family families[] = {
	{ "pmtree_up", "gauge", "1 if the worker's process is running." },
	{ "pmtree_ready", "gauge", "1 if the worker is ready." },
	{ "pmtree_restarts_total", "counter",
	    "Automatic restarts of the worker (commands not counted)." },
	{ "pmtree_rss_bytes", "gauge", "Resident memory of the worker's process." },
	{ "pmtree_cpu_seconds_total", "counter",
	    "CPU time of the worker's process." },
};

/* NAME{path="api/web:1",instance="1"} VALUE */
static void
http_sample(struct obuf *b, const char *name, const char *path, unsigned k,
    unsigned n, double v)
{
	char line[4400], inst[4200];

	(void)config_instance_name(inst, sizeof(inst), path, k, n > 1);
	snprintf(line, sizeof(line), "%s{path=\"%s\",instance=\"%u\"} %.15g\n",
	    name, inst, k, v);
	obuf_add(b, line, strlen(line));
}

/* One sample line of family F for every worker instance. */
static void
http_family(struct http *h, struct obuf *b, size_t f, uint64_t now)
{
	const struct cfg_tree *tree = h->view.tree(h->view.arg);
	struct nodetab *tab = h->view.table(h->view.arg);
	const struct msg_node_state *st;
	struct proc_usage u;
	char line[512];
	unsigned id, k, n;
	double v;

	snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n",
	    families[f].name, families[f].help, families[f].name, families[f].type);
	obuf_add(b, line, strlen(line));
	for (id = 0; id < tree->nnodes; id++) {
		if (tree->nodes[id]->kind != CFG_WORKER)
			continue;
		n = nodetab_count(tab, id);
		for (k = 0; k < n; k++) {
			st = nodetab_get(tab, id, k);
			memset(&u, 0, sizeof(u));
			if (f >= 3 && st->pid > 0)
				(void)status_proc(st->pid, now > st->since_ms ?
				    now - st->since_ms : 0, &u);
			v = f == 0 ? st->pid > 0 : f == 1 ? st->ready :
			    f == 2 ? st->restarts : f == 3 ? (double)u.rss_bytes :
			    u.cpu_seconds;
			http_sample(b, families[f].name, tree->nodes[id]->path, k,
			    n, v);
		}
	}
}

/* The custom metrics: one gauge family per name a worker reported. */
static void
http_custom(struct http *h, struct obuf *b)
{
	const struct cfg_tree *tree = h->view.tree(h->view.arg);
	struct nodetab *tab = h->view.table(h->view.arg);
	const struct nodeinfo *ni;
	json_t *seen = json_object();
	char line[4400];
	unsigned id, k, n;
	size_t m;

	for (id = 0; id < tree->nnodes; id++) {
		n = tree->nodes[id]->kind == CFG_WORKER ? nodetab_count(tab, id) : 0;
		for (k = 0; k < n; k++) {
			if ((ni = nodetab_info(tab, id, k)) == NULL)
				continue;
			for (m = 0; m < ni->nmetrics; m++) {
				const char *name = ni->metrics[m].name;

				if (json_object_get(seen, name) == NULL) {
					json_object_set_new(seen, name, json_true());
					snprintf(line, sizeof(line), "# TYPE pmtree_metric_%s "
					    "gauge\n", name);
					obuf_add(b, line, strlen(line));
				}
				snprintf(line, sizeof(line), "pmtree_metric_%s", name);
				http_sample(b, line, tree->nodes[id]->path, k, n,
				    ni->metrics[m].value);
			}
		}
	}
	json_decref(seen);
}

static void
http_metrics(struct http *h, struct hconn *req)
{
	struct obuf b = { 0 };
	uint64_t now = supervisor_now();
	size_t f;

	char line[256];
	int n;

	for (f = 0; f < sizeof(families) / sizeof(families[0]); f++)
		http_family(h, &b, f, now);
	n = snprintf(line, sizeof(line), "# HELP pmtree_notify_dropped_total "
	    "Notify datagrams the tree's supervisors dropped (not from one of "
	    "their workers).\n# TYPE pmtree_notify_dropped_total counter\n"
	    "pmtree_notify_dropped_total %llu\n",
	    (unsigned long long)notify_dropped_total());
	obuf_add(&b, line, (size_t)n);
	http_custom(h, &b);
	http_send(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
	    b.p != NULL ? b.p : "", b.len);
	obuf_free(&b);
}

/* --- routing ------------------------------------------------------------ */

/* %XX-decodes LEN bytes of S; NULL if an escape is bad or makes a NUL. */
static char *
http_decode(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out, hex[3] = { 0, 0, 0 };
	size_t k;
	long v;

	for (k = 0; k < len; k++) {
		if (s[k] != '%') {
			*o++ = s[k];
			continue;
		}
		if (k + 2 >= len)
			goto bad;
		hex[0] = s[k + 1];
		hex[1] = s[k + 2];
		if (strspn(hex, "0123456789abcdefABCDEF") != 2 ||
		    (v = strtol(hex, NULL, 16)) == 0)
			goto bad;
		*o++ = (char)v;
		k += 2;
	}
	*o = '\0';
	return (out);
bad:
	xfree(out);
	return (NULL);
}

static void
http_route(struct hconn *c, const char *method, const char *path,
    size_t plen)
{
	struct http *h = c->h;
	struct obuf b = { 0 };
	char *spec;

	c->head = strcmp(method, "HEAD") == 0;
	if (!c->head && strcmp(method, "GET") != 0)
		http_json(c, 405, "Method Not Allowed", json_pack("{ss}",
		    "error", "read-only: GET and HEAD only"));
	else if (plen == 8 && memcmp(path, "/healthz", 8) == 0)
		http_send(c, 200, "OK", "text/plain", "ok\n", 3);
	else if (plen == 7 && memcmp(path, "/readyz", 7) == 0)
		http_readyz(h, c, "");
	else if (plen > 8 && memcmp(path, "/readyz/", 8) == 0) {
		if ((spec = http_decode(path + 8, plen - 8)) == NULL)
			http_json(c, 404, "Not Found", json_pack("{ss}", "error",
			    "no such child"));
		else
			http_readyz(h, c, spec);
		xfree(spec);
	} else if (plen == 7 && memcmp(path, "/status", 7) == 0) {
		h->view.status(&b, h->view.arg);
		http_send(c, 200, "OK", "application/json", b.p, b.len);
		obuf_free(&b);
	} else if (plen == 8 && memcmp(path, "/metrics", 8) == 0)
		http_metrics(h, c);
	else
		http_json(c, 404, "Not Found", json_pack("{ss}", "error",
		    "not found"));
}

/*
 * "METHOD TARGET HTTP/1.x": the target's path, without a query; an
 * absolute target ("http://host/path") too.  The headers are not needed.
 */
static void
http_request(struct hconn *c)
{
	char method[16], *line = c->in, *sp, *target, *end;
	size_t mlen, plen;

	line[strcspn(line, "\r\n")] = '\0';
	sp = strchr(line, ' ');
	mlen = sp != NULL ? (size_t)(sp - line) : 0;
	if (mlen == 0 || mlen >= sizeof(method) ||
	    strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != mlen)
		goto bad;
	memcpy(method, line, mlen);
	method[mlen] = '\0';
	target = sp + 1;
	if ((end = strchr(target, ' ')) == NULL || end == target ||
	    strncmp(end + 1, "HTTP/1.", 7) != 0 || end[8] == '\0' || end[9] != '\0')
		goto bad;
	if (strncmp(target, "http://", 7) == 0) {
		target += 7;
		target += strcspn(target, "/ ");
	}
	plen = strcspn(target, "?# ");
	if (plen == 0 || target[0] != '/')
		goto bad;
	http_route(c, method, target, plen);
	return;
bad:
	http_json(c, 400, "Bad Request", json_pack("{ss}", "error",
	    "not an HTTP/1 request"));
}

/* --- connections -------------------------------------------------------- */

static void
hconn_free(struct hconn *c)
{
	struct http *h = c->h;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	event_free(c->ev);
	event_free(c->deadline);
	close(c->fd);
	obuf_free(&c->out);
	xfree(c);
	clients_leave(CLIENT_HTTP);
}

static void
hconn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	hconn_free(arg);
}

/*
 * The answer is out: the client's unread bytes (a body) are read away
 * until it closes, so that closing does not reset the connection under an
 * answer it has not read yet.
 */
static void
hconn_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		hconn_free(c);
}

static void	hconn_write_cb(evutil_socket_t, short, void *);

static void
hconn_rearm(struct hconn *c, short what, event_callback_fn cb)
{
	event_del(c->ev);
	event_assign(c->ev, c->h->base, c->fd, what | EV_PERSIST, cb, c);
	event_priority_set(c->ev, HTTP_PRIORITY);
	event_add(c->ev, NULL);
}

static void
hconn_send(struct hconn *c)
{
	struct timeval tv = { HTTP_SEND_S, 0 };
	ssize_t n;

	while (c->sent < c->out.len) {
		n = send(c->fd, c->out.p + c->sent, c->out.len - c->sent,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!evtimer_pending(c->deadline, NULL) ||
			    event_get_callback(c->ev) != hconn_write_cb) {
				evtimer_add(c->deadline, &tv);
				hconn_rearm(c, EV_WRITE, hconn_write_cb);
			}
			return;
		}
		if (n <= 0) {
			hconn_free(c);
			return;
		}
		c->sent += (size_t)n;
	}
	(void)shutdown(c->fd, SHUT_WR);
	if (event_get_callback(c->ev) != hconn_linger_cb) {
		evtimer_add(c->deadline, &tv);
		hconn_rearm(c, EV_READ, hconn_linger_cb);
	}
}

static void
hconn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	hconn_send(arg);
}

/* The head, up to its blank line; then the answer, at once. */
static void
hconn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;
	ssize_t n;

	for (;;) {
		n = read(fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			hconn_free(c);
			return;
		}
		c->inlen += (size_t)n;
		c->in[c->inlen] = '\0';
		if (strstr(c->in, "\r\n\r\n") != NULL ||
		    strstr(c->in, "\n\n") != NULL)
			break;
		if (c->inlen == sizeof(c->in) - 1) {
			http_json(c, 431, "Request Header Fields Too Large",
			    json_pack("{ss}", "error", "request head over 8 KiB"));
			return;
		}
	}
	http_request(c);
}

/* Over the cap: said in one try, and closed. */
static void
http_refuse(int fd)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n";

	(void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void
http_accept(int fd, void *arg)
{
	struct http *h = arg;
	struct timeval tv = { HTTP_DEADLINE_S, 0 };
	struct hconn *c;

	if (!clients_admit(CLIENT_HTTP)) {
		http_refuse(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->h = h;
	c->fd = fd;
	c->ev = event_new(h->base, fd, EV_READ | EV_PERSIST, hconn_read_cb, c);
	c->deadline = evtimer_new(h->base, hconn_deadline_cb, c);
	if (c->ev == NULL || c->deadline == NULL) {
		if (c->ev != NULL)
			event_free(c->ev);
		xfree(c);
		close(fd);
		clients_leave(CLIENT_HTTP);
		return;
	}
	event_priority_set(c->ev, HTTP_PRIORITY);
	event_priority_set(c->deadline, HTTP_PRIORITY);
	c->next = h->conns;
	if (h->conns != NULL)
		h->conns->prev = c;
	h->conns = c;
	event_add(c->ev, NULL);
	evtimer_add(c->deadline, &tv);
}

/* "host:port", "[::1]:port": the host is everything before the last colon. */
static int
http_split(const char *addr, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon = strrchr(addr, ':');
	long p;
	char *end;

	if (colon == NULL || (size_t)(colon - addr) >= hlen)
		return (-1);
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || p <= 0 || p > 65535)
		return (-1);
	if (addr[0] == '[' && colon > addr + 1 && colon[-1] == ']')
		snprintf(host, hlen, "%.*s", (int)(colon - addr - 2), addr + 1);
	else
		snprintf(host, hlen, "%.*s", (int)(colon - addr), addr);
	snprintf(port, plen, "%ld", p);
	return (0);
}

static int
http_listen(const char *addr)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai, *a;
	char host[256], port[8];
	int fd = -1, one = 1, err = EADDRNOTAVAIL;

	if (http_split(addr, host, sizeof(host), port, sizeof(port)) < 0) {
		errno = EINVAL;
		return (-1);
	}
	if (getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &ai) != 0) {
		errno = EADDRNOTAVAIL;
		return (-1);
	}
	for (a = ai; a != NULL && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) < 0 || listen(fd, 128) < 0) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		errno = err;
	return (fd);
}

struct http *
http_open(struct event_base *base, const char *addr, const struct http_view *v)
{
	struct http *h;
	int fd;

	if ((fd = http_listen(addr)) < 0)
		return (NULL);
	h = xcalloc(1, sizeof(*h));
	h->base = base;
	h->view = *v;
	if ((h->lis = listener_new(base, fd, "control.http", HTTP_PRIORITY,
	    http_accept, h)) == NULL) {
		close(fd);
		xfree(h);
		return (NULL);
	}
	return (h);
}

void
http_close(struct http *h)
{
	if (h == NULL)
		return;
	while (h->conns != NULL)
		hconn_free(h->conns);
	listener_free(h->lis);
	xfree(h);
}
