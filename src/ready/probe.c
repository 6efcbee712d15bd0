#include <sys/socket.h>

#include <netinet/in.h>

#include <event2/event.h>
#include <event2/http.h>

#include <errno.h>
#include <ifaddrs.h>
#include <stdbool.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evlog.h"
#include "owner.h"
#include "probe.h"
#include "xmalloc.h"

#define PROBE_FIRST_MS	20
#define PROBE_MAX_MS	500

struct probe {
	struct event_base		*base;
	enum cfg_ready			 kind;
	char				*host;	/* ready: tcp; copies, for */
	char				*port;	/* a reload frees the old tree */
	probe_cb			*cb;
	void				*arg;
	int				 fd;	/* notification pipe or socket */
	struct event			*ev;
	struct event			*again;
	unsigned			 pause_ms;
	struct evhttp_connection	*http;
	struct evhttp_uri		*uri;
	struct event			*answered;	/* the HTTP outcome, next turn */
	bool				 ok;
	pid_t				 pid;	/* the worker, its group's leader */
	char				*name;	/* "api/web:1" */
	bool				 any;	/* owner: any */
	bool				 told;	/* "is held by": once a start */
	struct sockaddr_storage		 peer;	/* what the HTTP request reached */
	socklen_t			 peerlen;
};

static void	probe_try(struct probe *);

static void
probe_close(struct probe *p)
{
	if (p->ev != NULL)
		event_free(p->ev);
	p->ev = NULL;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (p->http != NULL)
		evhttp_connection_free(p->http);
	p->http = NULL;
}

static void
probe_ready(struct probe *p)
{
	probe_close(p);
	p->cb(p->arg);
}

/* Not yet: the next try after a pause that grows up to PROBE_MAX_MS. */
static void
probe_later(struct probe *p)
{
	struct timeval tv;

	probe_close(p);
	tv.tv_sec = p->pause_ms / 1000;
	tv.tv_usec = (suseconds_t)(p->pause_ms % 1000) * 1000;
	evtimer_add(p->again, &tv);
	p->pause_ms = p->pause_ms * 2 > PROBE_MAX_MS ? PROBE_MAX_MS : p->pause_ms * 2;
}

static void
probe_again_cb(evutil_socket_t fd, short what, void *arg)
{
	probe_try(arg);
}

/* s6: anything ending in a newline; EOF without one means never. */
static void
probe_fd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	char buf[512];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0 && memchr(buf, '\n', (size_t)n) != NULL)
		probe_ready(p);
	else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		probe_close(p);
}

/* Once a start: who holds the port instead (a scan of all of /proc). */
static void
probe_tell(struct probe *p, const struct sockaddr *sa, uint64_t inode)
{
	char addr[INET6_ADDRSTRLEN + 16];
	pid_t pid;

	if (p->told)
		return;
	p->told = true;
	owner_addr_str(sa, addr, sizeof(addr));
	pid = inode != 0 ? owner_holder(inode) : -1;
	if (pid > 0)
		evlog(p->name, "%s is held by pid %d, not by %s", addr, (int)pid,
		    p->name);
	else
		evlog(p->name, "%s is held by another process, not by %s", addr,
		    p->name);
}

/* A connection to SA succeeded: ready if the worker holds the listener. */
static void
probe_owned(struct probe *p, const struct sockaddr *sa)
{
	uint64_t inode;

	if (p->any || owner_check(p->pid, sa, &inode) == OWNER_OURS) {
		probe_ready(p);
		return;
	}
	probe_tell(p, sa, inode);
	probe_later(p);
}

/* The address a connected socket reached (0.0.0.0 goes to 127.0.0.1). */
static void
probe_tcp_connected(struct probe *p)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (p->any) {
		probe_ready(p);
		return;
	}
	if (getpeername(p->fd, (struct sockaddr *)&ss, &len) < 0) {
		probe_later(p);	/* reset already */
		return;
	}
	probe_owned(p, (struct sockaddr *)&ss);
}

static void
probe_tcp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
		probe_tcp_connected(p);
	else
		probe_later(p);
}

static void
probe_tcp(struct probe *p)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICSERV }, *ai;
	int rc;

	if (getaddrinfo(p->host, p->port, &hints, &ai) != 0) {
		probe_later(p);
		return;
	}
	p->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    ai->ai_protocol);
	rc = p->fd < 0 ? -1 : connect(p->fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (rc == 0) {
		probe_tcp_connected(p);
		return;
	}
	if (p->fd < 0 || errno != EINPROGRESS) {
		probe_later(p);
		return;
	}
	p->ev = event_new(p->base, p->fd, EV_WRITE, probe_tcp_cb, p);
	event_add(p->ev, NULL);
}

/* The connection may not be freed inside its own callback: one turn later. */
static void
probe_http_cb(struct evhttp_request *req, void *arg)
{
	struct probe *p = arg;
	int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	struct timeval now = { 0, 0 };
	const struct sockaddr *sa;

	p->ok = code >= 200 && code < 300;
	p->peerlen = 0;
	if (p->ok && !p->any &&
	    (sa = evhttp_connection_get_addr(p->http)) != NULL &&
	    (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
		p->peerlen = sa->sa_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
		memcpy(&p->peer, sa, p->peerlen);
	}
	evtimer_add(p->answered, &now);
}

/* An address of this machine: loopback, 0.0.0.0, an interface's. */
static bool
probe_local(const struct sockaddr *sa)
{
	struct ifaddrs *ifa;
	bool local;

	if (owner_is_local(sa, NULL))
		return (true);
	if (getifaddrs(&ifa) < 0)
		return (false);
	local = owner_is_local(sa, ifa);
	freeifaddrs(ifa);
	return (local);
}

/*
 * A 2xx: ours, unless a local port is another process's.  A peer evhttp
 * does not know (it always does since 2.1) or another machine's is not
 * checked.
 */
static void
probe_http_owned(struct probe *p)
{
	const struct sockaddr *sa = (const struct sockaddr *)&p->peer;

	if (p->any || p->peerlen == 0 || !probe_local(sa)) {
		probe_ready(p);
		return;
	}
	probe_owned(p, sa);
}

static void
probe_answered_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;

	if (p->ok)
		probe_http_owned(p);
	else
		probe_later(p);
}

static void
probe_http(struct probe *p)
{
	struct evhttp_request *req;
	const char *host = evhttp_uri_get_host(p->uri);
	const char *path = evhttp_uri_get_path(p->uri);
	const char *query = evhttp_uri_get_query(p->uri);
	int port = evhttp_uri_get_port(p->uri);
	char target[2048];

	snprintf(target, sizeof(target), "%s%s%s", path != NULL && *path ? path : "/",
	    query != NULL ? "?" : "", query != NULL ? query : "");
	p->http = evhttp_connection_base_new(p->base, NULL, host,
	    (ev_uint16_t)(port > 0 ? port : 80));
	if (p->http == NULL ||
	    (req = evhttp_request_new(probe_http_cb, p)) == NULL) {
		probe_later(p);
		return;
	}
	evhttp_connection_set_timeout(p->http, 1);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", host);
	if (evhttp_make_request(p->http, req, EVHTTP_REQ_GET, target) < 0)
		probe_later(p);
}

static void
probe_try(struct probe *p)
{
	if (p->kind == CFG_READY_TCP)
		probe_tcp(p);
	else if (p->kind == CFG_READY_HTTP && p->uri != NULL)
		probe_http(p);
}

/* The instance's URL; the worker's own when it has no placeholder. */
static struct evhttp_uri *
probe_uri(const struct cfg_worker *w, const struct tmpl_vars *v)
{
	struct evhttp_uri *uri;
	char *url;

	if ((w->tmpl & CFG_TMPL_READY) == 0)
		return (evhttp_uri_parse(w->ready_url));
	url = tmpl_expand(w->ready_url, v);
	uri = evhttp_uri_parse(url);
	xfree(url);
	return (uri);
}

struct probe *
probe_start(struct event_base *base, const struct cfg_worker *w,
    const struct tmpl_vars *v, int fd, pid_t pid, const char *name,
    probe_cb *cb, void *arg)
{
	struct probe *p = xcalloc(1, sizeof(*p));

	p->base = base;
	p->pid = pid;
	p->name = xstrdup(name);
	p->any = w->ready_owner == CFG_OWNER_ANY;
	p->kind = w->ready;
	p->cb = cb;
	p->arg = arg;
	p->fd = -1;
	p->pause_ms = PROBE_FIRST_MS;
	p->again = evtimer_new(base, probe_again_cb, p);
	p->answered = evtimer_new(base, probe_answered_cb, p);
	if (w->ready == CFG_READY_FD) {
		p->fd = fd;
		p->ev = event_new(base, fd, EV_READ | EV_PERSIST, probe_fd_cb, p);
		event_add(p->ev, NULL);
		return (p);
	}
	if (w->ready == CFG_READY_HTTP)
		p->uri = probe_uri(w, v);
	if (w->ready == CFG_READY_TCP) {	/* a copy as xstrdup's, expanded */
		p->host = tmpl_expand(w->ready_host, v);
		p->port = tmpl_expand(w->ready_port, v);
	}
	probe_try(p);
	return (p);
}

void
probe_free(struct probe *p)
{
	if (p == NULL)
		return;
	probe_close(p);
	event_free(p->again);
	event_free(p->answered);
	if (p->uri != NULL)
		evhttp_uri_free(p->uri);
	xfree(p->host);
	xfree(p->port);
	xfree(p->name);
	xfree(p);
}
