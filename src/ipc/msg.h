/* The messages supervisors exchange over their socketpairs (ipc.h). */
#ifndef PMTREE_MSG_H
#define PMTREE_MSG_H

#include <stdint.h>

#include "ipc.h"
#include "notify.h"

enum msg_type {
	MSG_NONE,
	MSG_NODE_STATE,	/* child -> parent: a node of its subtree changed */
	MSG_COMMAND,	/* parent -> child: act on a node of the child's subtree */
	MSG_RELOAD,	/* parent -> child: the file was reloaded */
	MSG_SCALE,	/* parent -> child: run N instances of a worker */
	MSG_NODE_INFO,	/* child -> parent: what a worker said (sd_notify) */
	MSG_NTYPES
};

/* NODE is a worker of the receiver's subtree, or a group (every worker in it). */
struct msg_command {
	uint32_t	gen;
	uint32_t	node;
	int32_t		instance;	/* -1: every instance */
	uint8_t		op;		/* enum sm_op (machine.h) */
	uint8_t		pad[3];
};

/*
 * One node instance's state.  A group reports its own node too (pid 0:
 * the parent knows it), to say that all its children are up.  Times are
 * CLOCK_MONOTONIC ms, which every process of the tree shares.
 */
struct msg_node_state {
	uint32_t	gen;		/* the configuration NODE is an id of */
	uint32_t	node;		/* cfg_node id */
	uint32_t	instance;
	int32_t		pid;		/* 0: none */
	uint8_t		state;		/* enum slot_state */
	uint8_t		ready;
	uint8_t		has_exit;
	uint8_t		held;		/* stopped by a command */
	uint32_t	restarts;
	int32_t		exit_code;	/* -1: killed by exit_sig */
	int32_t		exit_sig;
	uint64_t	since_ms;	/* last start */
	uint64_t	next_ms;	/* next restart, 0: none */
	uint32_t	retiring;	/* a group: removed children still running */
	/* A group: the child its plan waits on (node id, 0: none), instance. */
	uint32_t	wait_node;
	uint32_t	wait_inst;
	/* A waiting child: the sibling it waits for (node id, 0: none). */
	uint32_t	need_node;
	uint32_t	need_inst;
	uint8_t		reason;		/* of the last exit: enum exit_reason */
	uint8_t		pad2[3];
};

/*
 * Configurations are numbered from 0, the same in every process: each
 * process loads the file itself, and DIGEST says it read the same bytes.
 */
struct msg_reload {
	uint32_t	gen;
	uint32_t	pad;
	uint64_t	digest;
};

/* NODE (an id of configuration GEN) now runs COUNT instances. */
struct msg_scale {
	uint32_t	gen;
	uint32_t	node;
	uint32_t	count;
};

/*
 * STATUS= and X_METRIC_ of a worker: NMETRICS struct notify_metric follow,
 * then STATUS_LEN bytes of text (HAS_STATUS: a STATUS= came, maybe empty).
 */
struct msg_node_info {
	uint32_t	gen;
	uint32_t	node;
	uint32_t	instance;
	uint16_t	status_len;
	uint8_t		nmetrics;
	uint8_t		has_status;
};

/* What a parent accepts from a child group (state, info)... */
extern const struct ipc_type msg_up_types[MSG_NTYPES];
/* ...and what a group accepts from its parent (command, reload, scale). */
extern const struct ipc_type msg_down_types[MSG_NTYPES];

#endif
