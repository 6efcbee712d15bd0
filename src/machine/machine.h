/*
 * The supervision machine: everything a supervisor decides, and nothing it
 * does.  Events go in (a child is ready, has exited, a timer fired, a stop
 * was asked for) with the time they happened; actions come out (spawn, send
 * a signal, arm a timer, report a state) for the executor to perform.  No
 * syscalls and no clock of its own, so tests drive every cell without forking.
 *
 * A slot is one child of the supervisor: a worker instance or a child group.
 * Per slot, a table of state x event gives the transition.  Over the slots,
 * the plan: each slot needs some earlier ones (its `after`, else in a
 * sequential group the slot before it), and starts once they are ready or
 * are not to run.  A stop phase stops every live slot from `stop_from` up,
 * each once nothing live that needs it is left: newest first in a
 * sequential group, all at once in a parallel one.  A strategy restart is
 * a stop phase from the first slot to restart; when it ends, those slots
 * start again by the plan.
 */
#ifndef PMTREE_MACHINE_H
#define PMTREE_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "intensity.h"

/* A supervisor's own exit status. */
#define SM_EXIT_OK	0
#define SM_EXIT_LOST	1	/* lost its parent */
#define SM_EXIT_GAVE_UP	3

/* The worker states of SPEC §5, in the order status shows them. */
enum slot_state {
	SLOT_WAITING,
	SLOT_STARTING,
	SLOT_RUNNING,
	SLOT_STOPPING,
	SLOT_STOPPED,
	SLOT_BACKOFF,
	SLOT_EXITED,
	SLOT_NSTATES
};

enum slot_event {
	SEV_START,	/* the plan or a command starts it */
	SEV_READY,	/* exec succeeded / readiness reached */
	SEV_EXIT,	/* reaped and its output drained */
	SEV_STOP,	/* the plan or a command stops it */
	SEV_TIMER,	/* its one timer is due */
	SEV_NEVENTS
};

/*
 * Why a slot is being stopped; it decides what the exit means.  When two
 * reasons meet, the later in this list wins.
 */
enum stop_why {
	WHY_NONE,
	WHY_STRATEGY,	/* a sibling's restart: start again with the others */
	WHY_FAILED,	/* ready_timeout or watchdog: the exit is a crash */
	WHY_RESTART,	/* `pmtree restart`: start again at once, not counted */
	WHY_COMMAND,	/* `pmtree stop`: stays stopped */
	WHY_SHUTDOWN,	/* the supervisor is going down */
};

/* How a process ended: code >= 0, or the signal that killed it. */
struct exit_info {
	int	code;	/* -1 when killed by a signal */
	int	sig;
};

/* Why pmtree ended a process it judged failed (last_exit's "reason"). */
enum exit_reason {
	REASON_NONE,
	REASON_READY_TIMEOUT,
	REASON_WATCHDOG,
	REASON_MEMORY,
	REASON_NREASONS
};
const char *sm_reason_name(enum exit_reason);

struct slot {
	const struct cfg_node	*node;
	unsigned		 instance;
	enum slot_state		 state;
	enum stop_why		 why;
	bool			 killed;	/* SIGKILL already sent */
	bool			 held;		/* stopped by a command */
	bool			 retired;	/* removed by a reload */
	bool			 reloading;	/* RELOADING=1: running, not ready */
	/* The plan has let it go: its restarts are its own, not the plan's. */
	bool			 reached;
	bool			 finished;	/* a one-shot step that is done */
	bool			 phased;	/* the stop phase has dealt with it */
	size_t			 waits;		/* the sibling it waits for, or SM_NONE */
	unsigned		 nfail;		/* consecutive automatic restarts */
	unsigned		 starts;
	/* Automatic: decided by its restart type or its group's strategy. */
	unsigned		 restarts;
	uint64_t		 started_at;
	uint64_t		 due;		/* its timer, 0 = none */
	bool			 has_exit;
	struct exit_info	 last;
	enum exit_reason	 failing;	/* stopped for this: its exit's */
	enum exit_reason	 reason;	/* of the last exit */
	/* While stopping: since when, what was sent last and when (stop.c). */
	uint64_t		 stop_since;
	int			 stop_sig;	/* a signal, or SM_SIG_* */
	uint64_t		 stop_sent_at;
	bool			 stop_cmd;	/* its stop_command runs */
};

/* A slot's stop_sig when no signal was sent. */
#define SM_SIG_NONE	0	/* it stops by itself (STOPPING=1) */
#define SM_SIG_COMMAND	(-1)	/* its stop_command was run */

enum act_kind {
	ACT_SPAWN,	/* start slot */
	ACT_SIGNAL,	/* send sig to slot (a worker's whole process group) */
	ACT_TIMER,	/* (re)arm slot's timer at `value`; 0 cancels it */
	ACT_REPORT,	/* slot's state changed */
	ACT_NOTE,	/* a decision worth a line in pmtree.log */
	ACT_READY,	/* the supervisor's own children are all up */
	ACT_EXIT,	/* the supervisor is done: exit with status `value` */
	ACT_BELOW,	/* the nodes below child group `slot`: see enum below */
	ACT_FORWARD,	/* pass command `value` (enum sm_op) to child group `slot` */
	ACT_RECONFIGURE,	/* the configuration waiting may be applied now */
	ACT_WAITING,	/* what slot waits for (slot.waits) changed */
	/*
	 * Run worker `slot`'s stop_command; SIGKILL its process group at
	 * `value` if it still runs then (0: never).  Its end comes back
	 * through sm_stop_command_exited.
	 */
	ACT_STOP_COMMAND,
	ACT_STOP_COMMAND_KILL,	/* SIGKILL its stop_command's process group */
};

/*
 * What happened to the nodes below a child group, which the executor keeps
 * as rows (state, live, held) of its table; sm_below says what each becomes.
 */
enum below {
	BELOW_PARK,	/* the group stopped or ended for good */
	BELOW_LOST,	/* its supervisor died: its workers are killed */
	BELOW_RELEASE,	/* a `start` of an enclosing group releases their holds */
};

struct sm_row {
	enum slot_state	state;
	bool		live;	/* it has a process */
	bool		held;
};

/* ROW after WHAT; true when it changed (and is to be reported). */
bool	sm_below(enum below what, struct sm_row *row);

enum note {
	NOTE_RESTART,		/* value = delay in ms */
	NOTE_NO_RESTART,	/* the exit needs no restart */
	NOTE_GAVE_UP,		/* value = restarts within the period */
	NOTE_READY_TIMEOUT,
	NOTE_KILL,		/* shutdown time over: SIGKILL */
	NOTE_WATCHDOG,		/* no WATCHDOG=1 in time: hung */
	NOTE_READY,		/* its readiness gate passed */
	NOTE_FINISHED,		/* a one-shot step exited normally */
	NOTE_MEMORY,		/* value = its RSS in bytes, over max_memory */
	NOTE_AUTO_SHUTDOWN,	/* a significant child ends the group */
	NOTE_STOP_FAILED,	/* its stop_command failed: sig is sent */
};

/* The commands a supervisor takes for its nodes (the wire's op byte too). */
enum sm_op {
	SM_OP_STOP = 1,
	SM_OP_START,
	SM_OP_RESTART,
};
#define SM_ALL	((size_t)-1)	/* a command for every slot: the group's own */
#define SM_NONE	((size_t)-1)	/* no slot */

struct action {
	enum act_kind	kind;
	size_t		slot;
	int		sig;
	enum note	note;
	uint64_t	value;
};

/* A group's machine: opaque, read through the accessors below. */
struct sm;

struct sm	*sm_new(const struct cfg_node *group);
void		 sm_free(struct sm *);

/* What the executor may read: the slots, and the group's own state. */
size_t		 sm_nslots(const struct sm *);
const struct slot *sm_slot(const struct sm *, size_t);
bool		 sm_stopping(const struct sm *);	/* a stop phase: slots hold still */
bool		 sm_shutting_down(const struct sm *);
bool		 sm_is_ready(const struct sm *);	/* every child came up once */
unsigned	 sm_restarts(const struct sm *);	/* decisions, for status */

/* Events. NOW is the monotonic clock in ms. */
void	sm_start(struct sm *, uint64_t now);
void	sm_ready(struct sm *, size_t slot, uint64_t now);
/* Reaped and drained; a child group's failure loses what ran below it. */
void	sm_exited(struct sm *, size_t slot, struct exit_info, uint64_t now);
void	sm_timer(struct sm *, size_t slot, uint64_t now);
void	sm_shutdown(struct sm *, int status, uint64_t now);
void	sm_kill_all(struct sm *, uint64_t now);
/*
 * Slot I's stop_command ended (code 127: it could not be run).  Unless it
 * exited 0, a worker it was stopping gets its stop signal at once.
 */
void	sm_stop_command_exited(struct sm *, size_t slot, struct exit_info,
	    uint64_t now);

/*
 * What a worker said of itself (sd_notify): READY=1 passes a `notify` gate
 * and ends a RELOADING=1; WATCHDOG=1 restarts a running worker's
 * watchdog; STOPPING=1 means it stops by itself, its exit judged by its
 * restart type.
 */
struct sm_notice {
	bool	ready;
	bool	reloading;
	bool	watchdog;
	bool	stopping;
};
void	sm_notified(struct sm *, size_t slot, const struct sm_notice *,
	    uint64_t now);
/*
 * The RSS of a worker's processes (RSS bytes) went over its max_memory:
 * it is stopped and its exit is a crash, with reason memory.
 */
void	sm_over_memory(struct sm *, size_t slot, uint64_t rss, uint64_t now);
/* Ready to be shown: running, and not reloading. */
bool	sm_slot_ready(const struct slot *);

/*
 * The group can no longer follow its parent (the channel is gone, or the
 * file changed again under a reload): its workers are killed at once and it
 * exits 1.  Its child groups see our end and do the same for theirs.
 */
void	sm_lost(struct sm *, uint64_t now);

/*
 * A command for slot I, or SM_ALL.  A slot stopped by command is held: it
 * stays stopped, across strategy restarts and restarts of its group, until
 * started again.  No command counts toward intensity; start and restart
 * reset the backoff.  For every slot, stop goes newest first and start in
 * order; start releases held slots (and every hold below: ACT_BELOW
 * BELOW_RELEASE for each child group, ACT_FORWARD to those that run),
 * restart leaves them stopped.
 */
void	sm_command(struct sm *, size_t slot, enum sm_op, uint64_t now);

/* Where a command for a node below child group I goes. */
enum sm_route {
	SM_ROUTE_HERE,	/* the group does not run: its slot takes it here */
	SM_ROUTE_DOWN,	/* the caller passes it to the group's supervisor */
	SM_ROUTE_NONE,	/* nothing runs there to take it */
};
/* SELF: the target is the child group itself, not a node below it. */
enum sm_route sm_command_below(struct sm *, size_t slot, bool self,
	    enum sm_op, uint64_t now);

/* Before sm_start: the slot was held in the group's previous life. */
void	sm_hold(struct sm *, size_t slot);

/* One slot of a new configuration: what it is and what it carries on. */
struct sm_keep {
	const struct cfg_node	*node;
	unsigned		 instance;
	size_t			 old;		/* SM_NEW, or the slot it was */
	bool			 changed;	/* its settings differ: restart */
};
#define SM_NEW ((size_t)-1)

/*
 * The reload diff, pure: G's children as slots (COUNT[k]: how many
 * instances children[k] runs), each matched to the old slot that is the
 * same child (same name, kind and instance; SM_NEW if none) and marked
 * changed when a worker's effective settings differ.  *OUT (the caller
 * frees it) is what sm_reconfigure takes; returns how many.
 */
size_t	sm_plan(const struct sm *, const struct cfg_node *g,
	    const unsigned *count, struct sm_keep **out);
/*
 * A reload or a scale: the slots become KEEP (N of them, in start order,
 * under group G), followed by the old slots still running that KEEP does
 * not carry: those are retired, stopped and never started again.  FROM
 * (room for N + the old count) receives, per new slot, its old index or
 * SM_NEW.  Returns the new number of slots.  Not during a stop phase.
 */
size_t	sm_reconfigure(struct sm *, const struct cfg_node *g,
	    const struct sm_keep *keep, size_t n, size_t *from, uint64_t now);
/*
 * A new configuration or instance count is waiting: may it be applied now?
 * Slot indices hold still through a stop phase, so then it is LATER, and
 * ACT_RECONFIGURE comes when the phase ends (ask again then); NEVER while
 * shutting down.
 */
enum sm_reconf { SM_RECONF_NOW, SM_RECONF_LATER, SM_RECONF_NEVER };
enum sm_reconf sm_reconfigure_wanted(struct sm *);
/* Retired slots whose process still runs (they sit at the end). */
size_t	sm_retiring(const struct sm *);

/* The next action to perform; false when there is none. */
bool	sm_next(struct sm *, struct action *);

/*
 * The slot the plan waits on before it goes further: one a stop phase is
 * stopping, else the first that starts, backs off or stops while the
 * group is not all up.  False when nothing holds the plan back.
 */
bool	sm_holder(const struct sm *, size_t *slot);
/*
 * The group ended by auto_shutdown: *CODE is the code of the significant
 * worker whose end ended it (128 + N after signal N; 0 for a group).
 */
bool	sm_ended(const struct sm *, int *code);
/* True while the slot has a process: starting, running or stopping. */
bool	sm_slot_live(const struct slot *);
const char *sm_state_name(enum slot_state);

#endif
