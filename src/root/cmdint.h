/*
 * Inside the root's commands: the pending operations, which command.c
 * finishes and act.c and reload.c start.  Not for the handlers above.
 */
#ifndef PMTREE_CMDINT_H
#define PMTREE_CMDINT_H

#include <sys/types.h>

#include <stdbool.h>

#include "command.h"

struct pending;

/* A process a scale or a reload drops: the reply waits for its exit. */
struct exitwatch {
	struct commands		*c;
	struct pending		*p;
	struct event		*ev;
	int			 fd;
};

/* A command under way: answered once its op is done (command.c). */
struct pending {
	struct control_conn	*conn;
	const struct ctl_cmd	*cmd;	/* its name, its op */
	char			*spec;	/* the reply's message */
	struct target		*targets;
	size_t			 ntargets;
	uint64_t		 t0;
	/* What a later stop took over: not this command's to finish. */
	struct target		*cuts;
	size_t			 ncuts;
	char			*cut_by;	/* "stop TARGET": the one that did */
	struct exitwatch	*watch;
	size_t			 nwatch;
	size_t			 nleft;		/* of those, not exited yet */
	struct pending		*next;
};

struct commands {
	const struct cfg_tree	*tree;
	struct supervisor	*sv;
	struct logsup		*logs;
	uint64_t		 started_ms;
	ctl_find_fn		*find;
	struct pending		*pending;
	int			 shutting_down;
};

/* command.c */
struct pending	*pending_new(struct control_conn *, const struct ctl_cmd *,
		    const char *message);
void		 pending_free(struct pending *);
/* Answers P now if its op is done, else keeps it for later. */
void		 commands_wait(struct commands *, struct pending *);
/* A stop takes over what commands under way would start. */
void		 commands_cut(struct commands *, const struct pending *later,
		    const char *spec);
/* A reload: every command under way ends, but a shutdown. */
void		 commands_interrupt(struct commands *);
/* A group on the way to P's targets does not run: replies so. */
bool		 commands_blocked(struct commands *, const struct pending *p,
		    const char *spec);

/* reload.c */
/* Adds to V the pids of NODE's running instances from FIRST on. */
void		 commands_pids_from(struct commands *, const struct cfg_node *,
		    unsigned first, pid_t **v, size_t *n, size_t *cap);
/* P waits for the exit of each of PIDS too. */
void		 commands_watch(struct commands *, struct pending *,
		    const pid_t *pids, size_t n);

#endif
