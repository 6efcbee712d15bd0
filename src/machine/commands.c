/*
 * The machine's entry points for what is not a process's life (machine.h):
 * commands (stop, start, restart of one slot or all of them, or of a node
 * below a child group), holds, what a worker says of itself (sd_notify),
 * the loss of the parent, the rows below a child group, and whether a new
 * configuration may be applied.  No command counts toward intensity.
 * Last, what the executor may read of the machine.
 */
#include <signal.h>

#include "smint.h"

static void
sm_cmd_stop(struct sm *sm, size_t i, uint64_t now)
{
	struct sev e = { .now = now, .why = WHY_COMMAND };

	slot_event(sm, i, SEV_STOP, &e);
	sm_step(sm, now);
}

/*
 * Releases a slot that is not running (a backoff is cut short): the plan
 * starts it once what it needs is ready.
 */
void
slot_release(struct sm *sm, size_t i, uint64_t now)
{
	struct slot *s = &sm->slots[i];

	(void)now;
	if (s->retired)
		return;
	s->held = false;
	s->nfail = 0;
	if (s->state != SLOT_STOPPED && s->state != SLOT_EXITED &&
	    s->state != SLOT_BACKOFF)
		return;
	s->reached = false;
	s->finished = false;
	slot_set(sm, i, SLOT_WAITING);
}

static void
sm_cmd_start(struct sm *sm, size_t i, uint64_t now)
{
	if (sm->shutting_down)
		return;
	slot_release(sm, i, now);
	sm_step(sm, now);
}

static void
sm_cmd_restart(struct sm *sm, size_t i, uint64_t now)
{
	struct slot *s = &sm->slots[i];
	struct sev e = { .now = now, .why = WHY_RESTART };

	if (sm->shutting_down)
		return;
	if (sm_slot_live(s)) {
		s->held = false;
		s->nfail = 0;
		slot_event(sm, i, SEV_STOP, &e);
	} else
		slot_release(sm, i, now);
	sm_step(sm, now);
}

static void
sm_cmd_stop_all(struct sm *sm, uint64_t now)
{
	if (sm->shutting_down)
		return;
	sm_stop_from(sm, 0, WHY_COMMAND);
	sm_phase_all(sm);
	sm_step(sm, now);
}

static void
sm_cmd_start_all(struct sm *sm, uint64_t now)
{
	size_t i;

	if (sm->shutting_down)
		return;
	/*
	 * Holds below go too: the child groups forked anew read them from the
	 * rows, those that run are told.
	 */
	for (i = 0; i < sm->nslots; i++) {
		if (sm->slots[i].node->kind != CFG_GROUP || sm->slots[i].retired)
			continue;
		sm_emit(sm, (struct action){ .kind = ACT_BELOW, .slot = i,
		    .value = BELOW_RELEASE });
		if (sm_slot_live(&sm->slots[i]))
			sm_emit(sm, (struct action){ .kind = ACT_FORWARD,
			    .slot = i, .value = SM_OP_START });
	}
	for (i = 0; i < sm->nslots; i++)
		slot_release(sm, i, now);
	sm_step(sm, now);
}

static void
sm_cmd_restart_all(struct sm *sm, uint64_t now)
{
	size_t i;

	if (sm->shutting_down)
		return;
	/* A restart of the group leaves what a command stopped stopped. */
	for (i = 0; i < sm->nslots; i++) {
		if (!sm->slots[i].held)
			slot_release(sm, i, now);
	}
	sm_stop_from(sm, 0, WHY_RESTART);
	sm_phase_all(sm);
	sm_step(sm, now);
}

void
sm_command(struct sm *sm, size_t i, enum sm_op op, uint64_t now)
{
	switch (op) {
	case SM_OP_STOP:
		if (i == SM_ALL)
			sm_cmd_stop_all(sm, now);
		else
			sm_cmd_stop(sm, i, now);
		break;
	case SM_OP_START:
		if (i == SM_ALL)
			sm_cmd_start_all(sm, now);
		else
			sm_cmd_start(sm, i, now);
		break;
	case SM_OP_RESTART:
		if (i == SM_ALL)
			sm_cmd_restart_all(sm, now);
		else
			sm_cmd_restart(sm, i, now);
		break;
	}
}

/*
 * A child group that does not run has no supervisor to ask: its slot here
 * is the target (stop holds it; start and restart release it).
 */
enum sm_route
sm_command_below(struct sm *sm, size_t i, bool self, enum sm_op op,
    uint64_t now)
{
	if (sm_slot_live(&sm->slots[i]))
		return (SM_ROUTE_DOWN);
	if (!self)
		return (SM_ROUTE_NONE);
	if (op == SM_OP_STOP)
		sm_cmd_stop(sm, i, now);
	else
		sm_cmd_start(sm, i, now);
	return (SM_ROUTE_HERE);
}

static void
sm_self_stopping(struct sm *sm, size_t i, uint64_t now)
{
	struct slot *s = &sm->slots[i];

	if (s->state != SLOT_STARTING && s->state != SLOT_RUNNING)
		return;
	slot_set(sm, i, SLOT_STOPPING);
	s->why = WHY_NONE;
	s->stop_since = now;
}

void
sm_notified(struct sm *sm, size_t i, const struct sm_notice *n, uint64_t now)
{
	struct slot *s = &sm->slots[i];
	struct sev e = { .now = now };
	bool was = s->reloading;

	if (s->node->kind != CFG_WORKER)
		return;
	if (n->reloading && sm_slot_live(s))
		s->reloading = true;
	if (n->ready) {
		s->reloading = false;
		/* A gate of another kind is passed by its own probe only. */
		if (s->state == SLOT_STARTING &&
		    s->node->worker.ready == CFG_READY_NOTIFY)
			slot_event(sm, i, SEV_READY, &e);
	}
	if (n->watchdog && s->state == SLOT_RUNNING && s->due != 0)
		slot_watchdog(sm, i, now);
	if (n->stopping)
		sm_self_stopping(sm, i, now);
	if (s->reloading != was)
		sm_emit(sm, (struct action){ .kind = ACT_REPORT, .slot = i });
	sm_step(sm, now);
}

bool
sm_slot_ready(const struct slot *s)
{
	return ((s->state == SLOT_RUNNING && !s->reloading) ||
	    (s->state == SLOT_EXITED && s->finished));
}

void
sm_lost(struct sm *sm, uint64_t now)
{
	size_t i;

	if (sm->done)
		return;
	for (i = 0; i < sm->nslots; i++) {
		struct slot *s = &sm->slots[i];

		slot_stop_command_kill(sm, i);
		if (s->node->kind != CFG_WORKER || !sm_slot_live(s))
			continue;
		s->killed = true;
		sm_emit(sm, (struct action){ .kind = ACT_SIGNAL, .slot = i,
		    .sig = SIGKILL });
	}
	sm->shutting_down = true;
	sm->stopping = false;
	sm->done = true;
	sm_emit(sm, (struct action){ .kind = ACT_EXIT, .value = SM_EXIT_LOST });
}

enum sm_reconf
sm_reconfigure_wanted(struct sm *sm)
{
	if (sm->shutting_down) {
		sm->reconf_due = false;
		return (SM_RECONF_NEVER);
	}
	sm->reconf_due = sm->stopping;
	return (sm->stopping ? SM_RECONF_LATER : SM_RECONF_NOW);
}

bool
sm_below(enum below what, struct sm_row *row)
{
	switch (what) {
	case BELOW_PARK:
		/* What waited for the group's next life will not get one. */
		if (row->live || row->state != SLOT_WAITING)
			return (false);
		row->state = SLOT_STOPPED;
		return (true);
	case BELOW_LOST:
		/* A new supervisor starts them again, unless a command held them. */
		if (!row->live && row->state == SLOT_WAITING)
			return (false);
		row->live = false;
		row->state = row->held ? SLOT_STOPPED : SLOT_WAITING;
		return (true);
	case BELOW_RELEASE:
		if (!row->held)
			return (false);
		row->held = false;
		return (true);
	}
	return (false);
}

void
sm_hold(struct sm *sm, size_t i)
{
	sm->slots[i].held = true;
	slot_set(sm, i, SLOT_STOPPED);
}

size_t
sm_nslots(const struct sm *sm)
{
	return (sm->nslots);
}

const struct slot *
sm_slot(const struct sm *sm, size_t i)
{
	return (&sm->slots[i]);
}

bool
sm_stopping(const struct sm *sm)
{
	return (sm->stopping);
}

bool
sm_shutting_down(const struct sm *sm)
{
	return (sm->shutting_down);
}

bool
sm_ended(const struct sm *sm, int *code)
{
	*code = sm->end_code;
	return (sm->ended);
}

bool
sm_is_ready(const struct sm *sm)
{
	return (sm->ready);
}

unsigned
sm_restarts(const struct sm *sm)
{
	return (sm->restarts);
}
