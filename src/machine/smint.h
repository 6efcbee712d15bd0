/*
 * What the files of the machine share (machine.c: the slot table and the
 * plan; commands.c: the command entry points; reconfigure.c: reload and
 * scale; stop.c: how a slot is asked to stop), private to them.
 */
#ifndef PMTREE_SMINT_H
#define PMTREE_SMINT_H

#include "machine.h"

struct sm {
	const struct cfg_node	*group;
	struct slot		*slots;		/* in start order */
	size_t			 nslots;
	size_t			 cursor;
	bool			 stopping;	/* a stop phase is under way */
	enum stop_why		 stop_why;	/* why the phase stops them */
	size_t			 stop_from;
	size_t			 stop_at;	/* next slot the phase looks at */
	bool			 shutting_down;
	int			 exit_status;
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
void	slot_release(struct sm *sm, size_t i, bool at_once, uint64_t now);
/* stop.c */
void	slot_send_stop(struct sm *sm, size_t i, uint64_t grace,
	    uint64_t now);
void	slot_stop_command_kill(struct sm *sm, size_t i);

#endif
