/*
 * The root's answers to control requests (doc/protocol.md).  A command is
 * sent down the tree to the supervisor that owns its target, and answered
 * when the root's table shows it done: a command replies when the action is
 * complete, and acting on a node already in the asked state is a success.
 *
 * The table of commands is the CLI's (src/cli/cmd.c), one layer up: each
 * of its entries holds a struct ctl_cmd, and the root is handed a lookup
 * that finds one by name.  What a handler needs of the root is below.
 */
#ifndef PMTREE_COMMAND_H
#define PMTREE_COMMAND_H

#include <jansson.h>
#include <stdint.h>

#include "config.h"
#include "target.h"

struct commands;
struct control_conn;
struct supervisor;

struct logsup;
struct nodetab;
struct obuf;

/* What a command's reply waits for. */
enum ctl_op {
	CTL_NONE,	/* nothing: it is answered at once */
	CTL_SHUTDOWN,	/* the tree down */
	CTL_STOP,	/* its workers stopped */
	CTL_START,	/* its workers running */
	CTL_RESTART,	/* its workers running, started since */
	CTL_RELOAD,	/* what the new file starts running, what it drops gone */
	CTL_SCALE,	/* the new instances running, the dropped ones gone */
};

struct ctl_cmd;
/* Answers REQ now (control_reply, control_error) or through a pending op. */
typedef void	ctl_handler(struct commands *, struct control_conn *,
		    json_t *req, const struct ctl_cmd *);

/* A command as the root sees it. */
struct ctl_cmd {
	const char	*name;		/* the request's "cmd" */
	ctl_handler	*handler;	/* NULL: no tree answers it (run, check) */
	enum ctl_op	 op;
};

/* Finds the command named NAME in the table; NULL if there is none. */
typedef const struct ctl_cmd *ctl_find_fn(const char *name);

struct commands	*commands_new(const struct cfg_tree *, struct supervisor *,
		    struct logsup *, uint64_t started_ms, ctl_find_fn *);
void		 commands_free(struct commands *);
/* A control_fn: ARG is the struct commands. */
void		 commands_request(struct control_conn *, json_t *req, void *arg);
/* A supervisor_cb for supervisor_on_change: finishes what is done. */
void		 commands_changed(struct supervisor *, void *arg);
/* The view of the tree the HTTP endpoint shows (struct http_view). */
const struct cfg_tree *commands_tree(void *);
struct nodetab	*commands_table(void *);
void		 commands_status(struct obuf *, void *);

/* HUP: a reload nobody waits for; a bad file is told in pmtree.log. */
void		 commands_hangup(struct commands *);
/* The tree is down: answers every `shutdown` and drops the rest. */
void		 commands_down(struct commands *);

/*
 * For the handlers.  commands_targets resolves SPEC in the running tree;
 * when nothing matches it replies so and returns NULL, else an array of *N
 * to free.  commands_tree and commands_table take the struct commands.
 */
struct target	*commands_targets(struct commands *, struct control_conn *,
		    const char *spec, size_t *n);
/* The `status --json` object of TG's nodes and their ancestors (all: NULL). */
void		 commands_status_of(struct commands *, struct obuf *,
		    const struct target *tg, size_t nt);

/* The commands that reply once done; CMD is the entry whose op it is. */
void		 commands_act(struct commands *, struct control_conn *,
		    const struct ctl_cmd *cmd, const char *spec);
void		 commands_scale(struct commands *, struct control_conn *,
		    const struct ctl_cmd *cmd, const char *spec, unsigned n);
/* CONN NULL: nobody waits (HUP), and CMD may be NULL. */
void		 commands_reload(struct commands *, struct control_conn *,
		    const struct ctl_cmd *cmd);
void		 commands_shutdown(struct commands *, struct control_conn *,
		    const struct ctl_cmd *cmd);

#endif
