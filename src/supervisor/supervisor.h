/*
 * A supervisor process's runtime: the executor of the supervision machine.
 * It owns one group's children (workers it spawns, child groups it forks),
 * reaps them, runs their timers, and reports their states upward.
 */
#ifndef PMTREE_SUPERVISOR_H
#define PMTREE_SUPERVISOR_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>

#include "config.h"
#include "machine.h"
#include "nodetab.h"

struct event_base;
struct supervisor;

typedef void supervisor_cb(struct supervisor *, void *);

/*
 * UPFD is the channel to the parent supervisor, -1 for the root.  Signals
 * (CHLD, TERM, INT, HUP, USR1, USR2) must be blocked by the caller; the
 * supervisor reads them from a signalfd.
 */
/*
 * INHERIT is the parent's table, when forked from a parent: the workers it
 * shows held stay stopped in this new life of the group.
 */
struct supervisor *supervisor_new(struct event_base *, const struct cfg_tree *,
		    const struct cfg_node *group, int upfd,
		    const struct nodetab *inherit);
void		 supervisor_free(struct supervisor *);
/* Starts the children and runs until the supervisor is done; its status. */
int		 supervisor_run(struct supervisor *);
/*
 * After supervisor_run: true if a significant child's end (auto_shutdown)
 * ended the group; *CODE is that child's code (machine.h, sm_ended).
 */
bool		 supervisor_ended(const struct supervisor *, int *code);
/* Called once, when every child that should run is up. */
void		 supervisor_on_ready(struct supervisor *, supervisor_cb *, void *);
/* A signal the supervisor does not handle itself (HUP, USR1, USR2). */
void		 supervisor_on_signal(struct supervisor *,
		    void (*)(struct supervisor *, int, void *), void *);
/* FN's pid, a child of ours but not a slot (the root's collector), is no orphan. */
void		 supervisor_spare(struct supervisor *, pid_t (*fn)(void *), void *);
/* Called for a reaped process that is not one of the supervisor's children. */
void		 supervisor_on_reap(struct supervisor *,
		    bool (*)(pid_t, int status, void *), void *);
/* Called after every change to the table (the root's view of the tree). */
void		 supervisor_on_change(struct supervisor *, supervisor_cb *, void *);
/*
 * Acts on NODE (a worker, or a group: all of it) of this supervisor's
 * subtree, INSTANCE or -1 for all, here or through the child group that
 * owns it.  -1 when the way there is down (a group not running).
 */
int		 supervisor_command(struct supervisor *, const struct cfg_node *,
		    int instance, enum sm_op op);
/*
 * A reload: T (owned from now on) is configuration number GEN; the group
 * switches to it (after the stop phase under way, if any) and tells its
 * child groups, which read the file themselves.
 */
void		 supervisor_reload(struct supervisor *, struct cfg_tree *t,
		    uint32_t gen);
/* Removed (reload) or dropped (scale) children of the tree still running. */
uint32_t	 supervisor_retiring(struct supervisor *);
/* The configuration number in force. */
uint32_t	 supervisor_gen(struct supervisor *);
/* NODE, a worker of the subtree, now runs COUNT instances; -1 if it cannot. */
int		 supervisor_scale(struct supervisor *, const struct cfg_node *,
		    unsigned count);
/* TERM: a graceful stop; a second one kills everything at once. */
void		 supervisor_terminate(struct supervisor *);
struct nodetab	*supervisor_table(struct supervisor *);
/* Restart decisions this supervisor made, for status. */
unsigned	 supervisor_restarts(struct supervisor *);
struct event_base *supervisor_base(struct supervisor *);

/* The set of signals a supervisor handles through its event loop. */
void		 supervisor_sigset(sigset_t *);
uint64_t	 supervisor_now(void);

#endif
