/*
 * `pmtree run -d`: the caller waits until the tree is up.  Until then the
 * daemon tells it, over a pipe, what the start waits for (every 5 s) and,
 * if the start fails, why; the caller prints both on its stderr.
 */
#ifndef PMTREE_DETACH_H
#define PMTREE_DETACH_H

#include <event2/event.h>

#include "config.h"
#include "nodetab.h"

struct detach;

/* What the daemon's word is made of: the tree and its table, now. */
struct detach_view {
	const struct cfg_tree	*(*tree)(void *);
	struct nodetab		*(*table)(void *);
	void			*arg;
};

/*
 * Forks.  The caller's side never returns: it exits 0 once the tree is
 * up, 1 if the daemon ends first.  In the daemon: the channel, with the
 * session detached and stdio on /dev/null; NULL with errno on failure.
 * LOGDIR is named in the caller's last line on failure.
 */
struct detach	*detach_fork(const char *logdir);
/* Every 5 s from now on, until up or ended: what the start waits for. */
void	detach_watch(struct detach *, struct event_base *,
	    const struct detach_view *);
/* A cause of failure, printed by the caller as "pmtree: <text>". */
void	detach_say(struct detach *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The tree is up: the caller exits 0.  The channel is freed. */
void	detach_ready(struct detach *);
/*
 * The daemon ends (STATUS, the root supervisor's) before the tree was up:
 * says why, then frees the channel.  NULL is fine.
 */
void	detach_end(struct detach *, int status, const struct detach_view *);

#endif
