/*
 * `status --json` (SPEC §5): the tree as the root's table knows it, with
 * memory and CPU read from /proc at the moment of asking.
 */
#ifndef PMTREE_STATUS_H
#define PMTREE_STATUS_H

#include <jansson.h>
#include <stdint.h>

#include "config.h"
#include "nodetab.h"
#include "target.h"

struct status_root {
	int		 pid;
	uint64_t	 started_ms;	/* monotonic */
	unsigned	 restarts;	/* the root's restart decisions */
	json_t		*log;		/* the collector's object (borrowed) */
};

struct obuf;

/* Resident memory and CPU use of a process, %CPU as ps gives it (over its life). */
struct proc_usage {
	long long	rss_bytes;
	double		cpu_seconds;
	double		cpu_percent;
};

/* Reads PID's usage from /proc; -1 if it is gone. */
int	status_proc(int pid, uint64_t uptime_ms, struct proc_usage *);

/*
 * Appends the whole object to B; with targets, the tree pruned to them and
 * their ancestors.
 */
void	status_write(struct obuf *b, const struct cfg_tree *, struct nodetab *,
	    const struct status_root *, const struct target *, size_t ntargets,
	    uint64_t now);

typedef void	status_line_fn(const char *line, void *arg);

/*
 * One line per child that holds a start back, through the tree:
 * "waiting for queues/orders: backoff, 12 restarts, last exit code 1, ...".
 */
void	status_waiting(const struct cfg_tree *, struct nodetab *, uint64_t now,
	    status_line_fn *, void *);
/*
 * One line per worker instance that crashed ("api/web:1: 3 restarts, last
 * exit code 1"), at most MAX, then "and N more".
 */
void	status_failing(const struct cfg_tree *, struct nodetab *, unsigned max,
	    status_line_fn *, void *);

#endif
