/*
 * start, stop and restart: the order goes down the tree to the supervisor
 * that owns each target, and the reply waits for the root's table to show
 * it done (command.c).
 */
#include <stdio.h>

#include "cmdint.h"
#include "control.h"
#include "msg.h"
#include "supervisor.h"
#include "xmalloc.h"

/* What goes down the tree: a wire value between supervisors. */
static const enum sm_op act_wire[] = {
	[CTL_STOP] = SM_OP_STOP,
	[CTL_START] = SM_OP_START,
	[CTL_RESTART] = SM_OP_RESTART,
};

static void
commands_unhold(struct commands *c, const struct cfg_node *g)
{
	unsigned id, last = nodetab_last(g), k;
	struct msg_node_state *st;

	for (id = g->id + 1; id <= last; id++) {
		for (k = 0; (st = nodetab_get(supervisor_table(c->sv), id, k)) != NULL;
		    k++)
			st->held = 0;
	}
}

void
commands_act(struct commands *c, struct control_conn *conn,
    const struct ctl_cmd *cmd, const char *spec)
{
	struct pending *p;
	size_t k;

	if (c->shutting_down) {
		control_error(conn, 1, "the tree is shutting down");
		return;
	}
	p = pending_new(conn, cmd, cmd->name);
	if ((p->targets = commands_targets(c, conn, spec, &p->ntargets)) == NULL ||
	    commands_blocked(c, p, spec)) {
		pending_free(p);
		return;
	}
	for (k = 0; k < p->ntargets; k++) {
		/* Every hold below a started group goes: so the table must say. */
		if (cmd->op == CTL_START && p->targets[k].node->kind == CFG_GROUP)
			commands_unhold(c, p->targets[k].node);
		if (supervisor_command(c->sv, p->targets[k].node,
		    p->targets[k].instance, act_wire[cmd->op]) < 0) {
			control_error(conn, 1, "%s %s: the group of %s is not "
			    "running", cmd->name, spec, p->targets[k].node->path);
			pending_free(p);
			return;
		}
	}
	commands_cut(c, p, spec);
	commands_wait(c, p);
}
