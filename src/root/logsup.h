/*
 * The root's care of the log collector: started before any worker and
 * stopped after the last one, restarted at once when it dies (this does not
 * count toward the root's intensity).  The listening socket supervisors
 * connect to and the memory shared with the collector belong to the root,
 * so they outlive every collector.
 */
#ifndef PMTREE_LOGSUP_H
#define PMTREE_LOGSUP_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

struct event_base;
struct logsup;

/* NULL with errno set when the socket or the memory cannot be had. */
struct logsup	*logsup_new(struct event_base *, const struct cfg_tree *,
		    bool echo_all);
/* Forks the collector; -1 with errno set on failure. */
int		 logsup_start(struct logsup *);
/* The collector's pid, 0 while none runs. */
pid_t		 logsup_pid(struct logsup *);
/* True if PID was the collector: it is then started again. */
bool		 logsup_reaped(struct logsup *, pid_t, int status);
/* New log settings (a reload): the collector takes them at once. */
void		 logsup_settings(struct logsup *, const struct cfg_tree *);
/* USR1: every log file reopened. */
void		 logsup_reopen(struct logsup *);
/* The "log" object of `status --json`. */
json_t		*logsup_status(struct logsup *);
/* The tree is down: the collector drains what is left and exits. */
void		 logsup_stop(struct logsup *);
void		 logsup_free(struct logsup *);

#endif
