#include <sys/socket.h>

#include <event2/event.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "evlog.h"
#include "listener.h"
#include "xmalloc.h"

#define LISTENER_PAUSE_MS 100

struct listener {
	int		 fd;
	const char	*what;
	struct event	*ev;
	struct event	*pause;
	listener_fn	*fn;
	void		*arg;
};

static void
listener_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct listener *l = arg;
	struct timeval tv = { 0, LISTENER_PAUSE_MS * 1000 };
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0 && (errno == EMFILE || errno == ENFILE ||
		    errno == ENOBUFS || errno == ENOMEM)) {
			evlog("pmtree", "%s: accept: %s; pausing %d ms", l->what,
			    strerror(errno), LISTENER_PAUSE_MS);
			event_del(l->ev);
			evtimer_add(l->pause, &tv);
			return;
		}
		if (fd < 0)
			return;
		l->fn(fd, l->arg);
	}
}

static void
listener_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;

	event_add(l->ev, NULL);
}

struct listener *
listener_new(struct event_base *base, int fd, const char *what, int priority,
    listener_fn *fn, void *arg)
{
	struct listener *l = xcalloc(1, sizeof(*l));

	l->fd = fd;
	l->what = what;
	l->fn = fn;
	l->arg = arg;
	l->ev = event_new(base, fd, EV_READ | EV_PERSIST, listener_accept_cb, l);
	l->pause = evtimer_new(base, listener_resume_cb, l);
	if (l->ev == NULL || l->pause == NULL) {
		l->fd = -1;	/* still the caller's */
		listener_free(l);
		errno = ENOMEM;
		return (NULL);
	}
	event_priority_set(l->ev, priority);
	event_add(l->ev, NULL);
	return (l);
}

void
listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->pause != NULL)
		event_free(l->pause);
	if (l->fd >= 0)
		close(l->fd);
	xfree(l);
}
