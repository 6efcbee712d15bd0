/*
 * A supervisor's link to the log collector.  It hands over the read ends
 * of its workers' pipes and keeps its own copies until the collector says
 * they are drained, so a collector's death loses nothing: the link sees
 * EOF, reconnects (the root's listening socket outlives every collector)
 * and hands them all over again.
 */
#ifndef PMTREE_LOGCONN_H
#define PMTREE_LOGCONN_H

#include <stdbool.h>
#include <sys/types.h>

#include "logproto.h"

struct event_base;
struct logconn;

typedef void logconn_drained_cb(pid_t, void *);

/* The root's pid names the collector's socket; set once, before forking. */
void		 logconn_set_root(pid_t);
struct logconn	*logconn_new(struct event_base *, logconn_drained_cb *, void *);
void		 logconn_free(struct logconn *);
/*
 * Takes OUT and ERR, the read ends of the stdout and stderr of the worker
 * M describes (M->pid), whose path is PATH.
 */
void		 logconn_add(struct logconn *, const struct logmsg *m,
		    const char *path, int out, int err);
/* True if the collector, out of fds, refused PID's pipes for now. */
bool		 logconn_refused_now(const struct logconn *, pid_t);
/* True while PID's pipes are not yet drained. */
bool		 logconn_has(const struct logconn *, pid_t);

#endif
