/*
 * The root's answers to control requests (doc/protocol.md).  A command is
 * sent down the tree to the supervisor that owns its target, and answered
 * when the root's table shows it done: a command replies when the action is
 * complete, and acting on a node already in the asked state is a success.
 */
#ifndef PMTREE_COMMAND_H
#define PMTREE_COMMAND_H

#include <jansson.h>
#include <stdint.h>

#include "config.h"

struct commands;
struct control_conn;
struct supervisor;

struct logsup;
struct nodetab;
struct obuf;

struct commands	*commands_new(const struct cfg_tree *, struct supervisor *,
		    struct logsup *, uint64_t started_ms);
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

#endif
