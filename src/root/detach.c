/*
 * The channel is a pipe of lines, each a letter and text: 'W' what the
 * start waits for, 'E' why it failed, 'R' up.  The daemon's end is
 * non-blocking, so a caller that stopped reading never holds the tree;
 * each line is under PIPE_BUF, so it arrives whole or not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detach.h"
#include "machine.h"
#include "status.h"
#include "supervisor.h"
#include "xmalloc.h"

#define DETACH_EVERY_S	5
#define DETACH_LINE	1024	/* under PIPE_BUF */
#define DETACH_FAILING	10	/* crashed workers named on failure */

struct detach {
	int			 fd;
	struct event		*tick;
	struct detach_view	 view;
};

/* The caller's side: prints what comes, exits with the outcome. */
static void __attribute__((noreturn))
detach_wait(int fd, const char *logdir)
{
	char buf[4 * DETACH_LINE], *nl, *p;
	size_t len = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		p = buf;
		while ((nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL) {
			*nl = '\0';
			if (*p == 'R')
				exit(0);
			fprintf(stderr, "pmtree: %s\n", p + 1);
			p = nl + 1;
		}
		len -= (size_t)(p - buf);
		memmove(buf, p, len);
		if (len == sizeof(buf))	/* never from our daemon */
			len = 0;
	}
	fprintf(stderr, "pmtree: the tree could not start (see %s/pmtree.log)\n",
	    logdir);
	exit(1);
}

struct detach *
detach_fork(const char *logdir)
{
	struct detach *d;
	int p[2], null;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return (NULL);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		return (NULL);
	if (pid > 0) {
		close(p[1]);
		detach_wait(p[0], logdir);
	}
	close(p[0]);
	if (fcntl(p[1], F_SETFL, O_NONBLOCK) < 0 || setsid() < 0 ||
	    (null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return (NULL);
	if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		return (NULL);
	close(null);
	d = xcalloc(1, sizeof(*d));
	d->fd = p[1];
	return (d);
}

/* A caller gone or not reading loses the line; the tree goes on. */
static void
detach_put(struct detach *d, char kind, const char *text)
{
	char line[DETACH_LINE];
	int n;

	n = snprintf(line, sizeof(line), "%c%s\n", kind, text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	(void)!write(d->fd, line, (size_t)n);
}

static void
detach_waiting_line(const char *line, void *arg)
{
	detach_put(arg, 'W', line);
}

static void
detach_tick(evutil_socket_t fd, short what, void *arg)
{
	struct detach *d = arg;
	const struct detach_view *v = &d->view;

	status_waiting(v->tree(v->arg), v->table(v->arg), supervisor_now(),
	    detach_waiting_line, d);
}

void
detach_watch(struct detach *d, struct event_base *base,
    const struct detach_view *v)
{
	struct timeval tv = { DETACH_EVERY_S, 0 };

	if (d == NULL)
		return;
	d->view = *v;
	d->tick = event_new(base, -1, EV_PERSIST, detach_tick, d);
	if (d->tick != NULL)
		evtimer_add(d->tick, &tv);
}

void
detach_say(struct detach *d, const char *fmt, ...)
{
	char text[DETACH_LINE];
	va_list ap;

	if (d == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	detach_put(d, 'E', text);
}

static void
detach_free(struct detach *d)
{
	if (d->tick != NULL)
		event_free(d->tick);
	close(d->fd);
	free(d);
}

void
detach_ready(struct detach *d)
{
	if (d == NULL)
		return;
	detach_put(d, 'R', "");
	detach_free(d);
}

static void
detach_failing_line(const char *line, void *arg)
{
	detach_put(arg, 'E', line);
}

void
detach_end(struct detach *d, int status, const struct detach_view *v)
{
	const struct cfg_tree *t;

	if (d == NULL)
		return;
	if (status == SM_EXIT_GAVE_UP && v != NULL) {
		t = v->tree(v->arg);
		detach_say(d, "the tree gave up: more than %u restarts within "
		    "%llu ms", t->root->group.intensity,
		    (unsigned long long)t->root->group.period_ms);
		status_failing(t, v->table(v->arg), DETACH_FAILING,
		    detach_failing_line, d);
	} else if (status == SM_EXIT_OK)
		detach_say(d, "the tree was stopped before it was up");
	detach_free(d);
}
