/*
 * Readiness that the worker does not announce itself: a newline on an fd
 * (s6's notification-fd), a TCP port that accepts, an HTTP URL that answers
 * 2xx.  Tried again after a growing pause until it succeeds; how long that
 * may take is the machine's ready_timeout.
 */
#ifndef PMTREE_PROBE_H
#define PMTREE_PROBE_H

#include <sys/types.h>

#include "config.h"
#include "tmpl.h"

struct event_base;
struct probe;

typedef void probe_cb(void *);

/*
 * FD is the read end of the worker's notification pipe (ready: {fd: N});
 * V, what the placeholders of a tcp or http address stand for (tmpl.h);
 * PID the worker (the leader of its process group), NAME its path.
 */
struct probe	*probe_start(struct event_base *, const struct cfg_worker *,
		    const struct tmpl_vars *v, int fd, pid_t pid, const char *name,
		    probe_cb *ready,
		    void *arg);
void		 probe_free(struct probe *);

#endif
