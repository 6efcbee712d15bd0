/*
 * What the files of the machine share (machine.c: the slot table;
 * plan.c: what starts and stops next; events.c: the machine's life and
 * the process events; commands.c: the command entry points;
 * reconfigure.c: reload and scale; stop.c: how a slot is asked to stop),
 * private to them.
 */
#ifndef PMTREE_SMINT_H
#define PMTREE_SMINT_H

#include "machine.h"

struct sm {
	const struct cfg_node	*group;
	struct slot		*slots;		/* in start order */
	size_t			 nslots;
	/* Child k of the group has slots kfirst[k] .. kfirst[k + 1] - 1. */
	size_t			*kfirst;
	bool			*scratch;	/* nslots, the plan's own */
	bool			 stopping;	/* a stop phase is under way */
	enum stop_why		 stop_why;	/* why the phase stops them */
	size_t			 stop_from;
	bool			 shutting_down;
	int			 exit_status;
	bool			 has_holder;
	size_t			 holder;	/* what the plan waits on */
	bool			 ended;		/* by a significant child */
	int			 end_code;
	bool			 ready;
	bool			 done;
	bool			 reconf_due;	/* a reconfiguration waits for the phase */
	struct intensity	 intensity;
	unsigned		 restarts;	/* decisions, for status */
	struct action		*acts;
	size_t			 nacts;
	size_t			 actcap;
	size_t			 acthead;
};

/* On storage of the caller's (the tests' too); sm_clear frees what it holds. */
void	sm_init(struct sm *, const struct cfg_node *group);
void	sm_clear(struct sm *);

/* An event as the cells get it: when, why a stop, how a process ended. */
struct sev {
	uint64_t		now;
	enum stop_why		why;
	struct exit_info	exit;
};

void	sm_emit(struct sm *sm, struct action a);
void	slot_set(struct sm *sm, size_t i, enum slot_state st);
void	slot_watchdog(struct sm *sm, size_t i, uint64_t now);
void	slot_event(struct sm *sm, size_t i, enum slot_event ev,
	    const struct sev *e);
void	sm_stop_from(struct sm *sm, size_t from, enum stop_why why);
void	sm_step(struct sm *sm, uint64_t now);
void	slot_release(struct sm *sm, size_t i, uint64_t now);
/* plan.c: the slots of each child, after the slots are made or moved. */
void	sm_index(struct sm *sm);
/* The stop phase looks at every slot in its range again. */
void	sm_phase_all(struct sm *sm);
/* stop.c */
void	slot_send_stop(struct sm *sm, size_t i, uint64_t grace,
	    uint64_t now);
void	slot_stop_command_kill(struct sm *sm, size_t i);

#endif
